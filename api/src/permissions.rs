//! Who may call what: one entry per GraphQL operation (every field of `Query` and
//! `Mutation`) and per authenticated REST route, the only place a role list is written.
//! Resolvers and handlers ask `Actor::require_for(Operation::…)`; `docs/api.md`'s roles
//! table is drawn from here (`roles_table`, checked by this module's test); the end-to-end
//! test `roles.rs` calls every entry as every role against the real server, and checks that
//! every field of `schemas/schema.graphql` has its entry.
//!
//! A few rules depend on more than the role; they stay beside the decision they belong to
//! and are named here in the entry's note, so the table never claims more than it checks.

use domain::platform::entitlements::Call;
use domain::platform::Feature;
use domain::Role;

/// The workshop's managers: the owner and the admins (spec §3.2).
const MANAGERS: &[Role] = &[Role::Owner, Role::Admin];
/// Everyone who works in the workshop: not the clients in their portal.
const STAFF: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Accounting];
/// The bench: those who move parts, powders and batches through the shop.
const SHOP: &[Role] = &[Role::Owner, Role::Admin, Role::Operator];
/// The books: never the shop floor, whose payments they review (segregation of duties).
const BOOKS: &[Role] = &[Role::Owner, Role::Admin, Role::Accounting];
/// Staff, and a client for what is its own (the check of "its own" is the operation's).
const STAFF_AND_CLIENT: &[Role] = &[
    Role::Owner,
    Role::Admin,
    Role::Operator,
    Role::Accounting,
    Role::Client,
];
/// Every member of a workshop, whatever their role: not the platform's editors.
const MEMBERS: &[Role] = &Role::MEMBER_ROLES;
/// The platform's editors, on `/editor/graphql` (ADR 0014).
const EDITORS: &[Role] = &[Role::Editor];
/// The bench, and a client for what is its own.
const SHOP_AND_CLIENT: &[Role] = &[Role::Owner, Role::Admin, Role::Operator, Role::Client];

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: signing up, logging in, following an emailed link.
    Public,
    /// Any signed-in member, whatever their role.
    SignedIn,
    /// Members holding one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Self::Public | Self::SignedIn => true,
            Self::Roles(roles) => roles.contains(&role),
        }
    }
}

/// One line per operation: the enum, whether it reads or writes, its GraphQL field name or
/// route, its access, the feature of the plans it belongs to and, for the rules that depend
/// on more than the role, a note. The order is the documentation's.
macro_rules! operations {
    ($($variant:ident = $call:ident $name:literal, $access:expr, $feature:expr $(, $note:literal)?;)*) => {
        /// A GraphQL field of `Query` or `Mutation`, or an authenticated REST route.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($variant,)*
        }

        impl Operation {
            /// Every operation, in the documentation's order.
            pub const ALL: &'static [Operation] = &[$(Operation::$variant,)*];

            /// The GraphQL field (`createQuote`) or the route (`GET /api/v1/…`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$variant => $name,)*
                }
            }

            pub fn access(self) -> Access {
                match self {
                    $(Operation::$variant => $access,)*
                }
            }

            /// A read (a query, a `GET`) or a write (a mutation, a `POST`): once a trial is
            /// over without a subscription, only reads pass (`entitlements::check`).
            pub fn call(self) -> Call {
                match self {
                    $(Operation::$variant => operations!(@call $call),)*
                }
            }

            /// The feature a plan must include (`None`: every plan has it: the account, the
            /// workspace, its members and emails).
            pub fn feature(self) -> Option<Feature> {
                match self {
                    $(Operation::$variant => $feature,)*
                }
            }

            /// The rule beyond the role, where there is one, and where it is checked.
            pub fn note(self) -> Option<&'static str> {
                match self {
                    $(Operation::$variant => operations!(@note $($note)?),)*
                }
            }
        }
    };
    (@call read) => { Call::Read };
    (@call write) => { Call::Write };
    (@note) => { None };
    (@note $note:literal) => { Some($note) };
}

/// What every plan has.
const ACCOUNT: Option<Feature> = None;
const QUOTES: Option<Feature> = Some(Feature::Quotes);
const PROJECTS: Option<Feature> = Some(Feature::Projects);
const CLIENTS: Option<Feature> = Some(Feature::Clients);
const STOCK: Option<Feature> = Some(Feature::PowderStock);
const SMART_STOCK: Option<Feature> = Some(Feature::SmartStock);
const BATCHES: Option<Feature> = Some(Feature::OvenBatches);
const INVOICING: Option<Feature> = Some(Feature::Invoicing);
const PAYMENT_LINKS: Option<Feature> = Some(Feature::PaymentLinks);
const PENNYLANE: Option<Feature> = Some(Feature::Pennylane);
const REPORTING: Option<Feature> = Some(Feature::AdvancedReporting);

use Access::{Public, Roles, SignedIn};

operations! {
    ApiVersion = read "apiVersion", Public, ACCOUNT;
    EmailVariables = read "emailVariables", Public, ACCOUNT, "the list of template variables, the same for all";
    SignUp = write "signUp", Public, ACCOUNT;
    VerifyEmail = write "verifyEmail", Public, ACCOUNT;
    Login = write "login", Public, ACCOUNT;
    RefreshSession = write "refreshSession", Public, ACCOUNT;
    Logout = write "logout", Public, ACCOUNT;
    RequestPasswordReset = write "requestPasswordReset", Public, ACCOUNT;
    ResetPassword = write "resetPassword", Public, ACCOUNT;
    AcceptInvitation = write "acceptInvitation", Public, ACCOUNT,
        "the invitation's link is the proof; the role granted is the invitation's";
    Me = read "me", SignedIn, ACCOUNT, "also before an owner or admin has set up the second factor";
    StartTwoFactorEnrolment = write "startTwoFactorEnrolment", SignedIn, ACCOUNT,
        "also before an owner or admin has set up the second factor";
    ConfirmTwoFactorEnrolment = write "confirmTwoFactorEnrolment", SignedIn, ACCOUNT,
        "also before an owner or admin has set up the second factor";
    Workspace = read "workspace", Roles(MEMBERS), ACCOUNT;

    RenameWorkspace = write "renameWorkspace", Roles(MANAGERS), ACCOUNT;
    SetModule = write "setModule", Roles(MANAGERS), ACCOUNT;
    Members = read "members", Roles(MANAGERS), ACCOUNT;
    ChangeMemberRole = write "changeMemberRole", Roles(MANAGERS), ACCOUNT,
        "only an owner makes an owner or changes one (`OWNER_ONLY`, the workspace aggregate)";
    DeactivateMember = write "deactivateMember", Roles(MANAGERS), ACCOUNT,
        "only an owner deactivates an owner (`OWNER_ONLY`, the workspace aggregate)";
    InviteMember = write "inviteMember", Roles(MANAGERS), ACCOUNT,
        "only an owner invites an owner (`Role::may_invite`)";
    Invitations = read "invitations", Roles(MANAGERS), ACCOUNT;
    RevokeInvitation = write "revokeInvitation", Roles(MANAGERS), ACCOUNT;
    AuditLog = read "auditLog", Roles(MANAGERS), ACCOUNT;
    AuditLogCsv = read "GET /api/v1/audit-log.csv", Roles(MANAGERS), ACCOUNT;

    EmailTemplates = read "emailTemplates", Roles(MANAGERS), ACCOUNT;
    EmailDeliveries = read "emailDeliveries", Roles(MANAGERS), ACCOUNT;
    SaveEmailTemplate = write "saveEmailTemplate", Roles(MANAGERS), ACCOUNT;
    ResetEmailTemplate = write "resetEmailTemplate", Roles(MANAGERS), ACCOUNT;
    PreviewEmailTemplate = write "previewEmailTemplate", Roles(MANAGERS), ACCOUNT;
    EmailSettings = read "emailSettings", Roles(MANAGERS), ACCOUNT;
    SaveEmailSettings = write "saveEmailSettings", Roles(MANAGERS), ACCOUNT;
    RemoveEmailSettings = write "removeEmailSettings", Roles(MANAGERS), ACCOUNT;
    StartEmailOAuth = write "startEmailOAuth", Roles(MANAGERS), ACCOUNT;
    CompleteEmailOAuth = write "completeEmailOAuth", Roles(MANAGERS), ACCOUNT;
    SendTestEmail = write "sendTestEmail", Roles(MANAGERS), ACCOUNT;

    Powders = read "powders", Roles(STAFF), STOCK;
    PowderStock = read "powderStock", Roles(STAFF), STOCK;
    ToWeighToday = read "toWeighToday", Roles(STAFF), SMART_STOCK;
    PowderWeighings = read "powderWeighings", Roles(STAFF), STOCK;
    StockSettings = read "stockSettings", Roles(STAFF), STOCK;
    Inventories = read "inventories", Roles(STAFF), SMART_STOCK;
    RegisterPowder = write "registerPowder", Roles(MANAGERS), STOCK;
    UpdatePowder = write "updatePowder", Roles(MANAGERS), STOCK;
    ArchivePowder = write "archivePowder", Roles(MANAGERS), STOCK;
    RestorePowder = write "restorePowder", Roles(MANAGERS), STOCK;
    ReceivePowder = write "receivePowder", Roles(MANAGERS), STOCK;
    UpdateStockSettings = write "updateStockSettings", Roles(MANAGERS), STOCK;
    PlanInventory = write "planInventory", Roles(MANAGERS), SMART_STOCK;
    CloseInventory = write "closeInventory", Roles(MANAGERS), SMART_STOCK;
    ImportPowders = write "importPowders", Roles(MANAGERS), STOCK;
    ImportSupplierCatalogue = write "importSupplierCatalogue", Roles(MANAGERS), STOCK;
    LookupSupplierPowder = read "lookupSupplierPowder", Roles(MANAGERS), STOCK;
    ConsumePowder = write "consumePowder", Roles(SHOP), STOCK;
    WeighPowder = write "weighPowder", Roles(SHOP), STOCK;
    ReorderSuggestions = read "reorderSuggestions", Roles(BOOKS), SMART_STOCK;

    Clients = read "clients", Roles(STAFF), CLIENTS;
    Client = read "client", Roles(STAFF), CLIENTS;
    DuplicateCandidates = read "duplicateCandidates", Roles(STAFF), CLIENTS;
    CrmSettings = read "crmSettings", Roles(STAFF), CLIENTS;
    ClientsCsv = read "GET /api/v1/clients.csv", Roles(STAFF), CLIENTS;
    CreateClient = write "createClient", Roles(SHOP), CLIENTS;
    UpdateClient = write "updateClient", Roles(SHOP), CLIENTS;
    RecordInteraction = write "recordInteraction", Roles(SHOP), CLIENTS;
    PreviewClientImport = write "previewClientImport", Roles(SHOP), CLIENTS;
    ArchiveClient = write "archiveClient", Roles(MANAGERS), CLIENTS;
    RestoreClient = write "restoreClient", Roles(MANAGERS), CLIENTS;
    RevokePortalAccess = write "revokePortalAccess", Roles(MANAGERS), CLIENTS;
    MergeClients = write "mergeClients", Roles(MANAGERS), CLIENTS;
    SetDuplicateCriteria = write "setDuplicateCriteria", Roles(MANAGERS), CLIENTS;
    ConfirmClientImport = write "confirmClientImport", Roles(MANAGERS), CLIENTS;

    Quotes = read "quotes", Roles(STAFF_AND_CLIENT), QUOTES,
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    Quote = read "quote", Roles(STAFF_AND_CLIENT), QUOTES,
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuotePdf = read "GET /api/v1/quotes/{id}.pdf", Roles(STAFF_AND_CLIENT), QUOTES,
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuoteDocument = read "GET /api/v1/quotes/{id}/documents/{sha256}.pdf", Roles(STAFF_AND_CLIENT), QUOTES,
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuoteSettings = read "quoteSettings", Roles(STAFF), QUOTES;
    QuoteTemplate = read "quoteTemplate", Roles(STAFF), QUOTES;
    QuoteTemplatePresets = read "quoteTemplatePresets", Roles(STAFF), QUOTES;
    QuoteSignatures = read "quoteSignatures", Roles(STAFF), QUOTES;
    CreateQuote = write "createQuote", Roles(SHOP), QUOTES;
    UpdateQuote = write "updateQuote", Roles(SHOP), QUOTES;
    ReviseQuote = write "reviseQuote", Roles(SHOP), QUOTES;
    SendQuote = write "sendQuote", Roles(SHOP), QUOTES;
    RefuseQuote = write "refuseQuote", Roles(SHOP), QUOTES;
    SignQuote = write "signQuote", Roles(SHOP_AND_CLIENT), QUOTES,
        "a client signs its own quote; the workshop signs for the client with the scan of its signature";
    UpdateQuoteSettings = write "updateQuoteSettings", Roles(MANAGERS), QUOTES;
    ChooseQuoteTemplate = write "chooseQuoteTemplate", Roles(MANAGERS), QUOTES;
    CustomizeQuoteTemplate = write "customizeQuoteTemplate", Roles(MANAGERS), QUOTES;
    UploadQuoteLogo = write "uploadQuoteLogo", Roles(MANAGERS), QUOTES;

    Projects = read "projects", Roles(STAFF), PROJECTS;
    Project = read "project", Roles(STAFF), PROJECTS;
    WorkshopQueue = read "workshopQueue", Roles(STAFF), PROJECTS;
    Scan = read "scan", Roles(STAFF), PROJECTS;
    ProjectPhotos = read "projectPhotos", Roles(STAFF), PROJECTS;
    PhotoStorage = read "photoStorage", Roles(STAFF), PROJECTS;
    Workflow = read "workflow", Roles(STAFF), PROJECTS;
    NonConformityStats = read "nonConformityStats", Roles(STAFF), REPORTING;
    CreateProject = write "createProject", Roles(SHOP), PROJECTS;
    ValidateStep = write "validateStep", Roles(SHOP), PROJECTS;
    SkipStep = write "skipStep", Roles(SHOP), PROJECTS;
    RecordQualityControl = write "recordQualityControl", Roles(SHOP), PROJECTS;
    DeclareNonConformity = write "declareNonConformity", Roles(SHOP), PROJECTS;
    AnnotatePhoto = write "annotatePhoto", Roles(SHOP), PROJECTS;
    DeliverProject = write "deliverProject", Roles(SHOP), PROJECTS;
    ProjectFiles = read "GET /api/v1/projects/{id}/labels.pdf, report.pdf", Roles(SHOP), PROJECTS;
    PhotoUpload = write "POST /api/v1/projects/{id}/photos", Roles(SHOP), PROJECTS;
    UpdateWorkflow = write "updateWorkflow", Roles(MANAGERS), PROJECTS;

    BatchRecommendations = read "batchRecommendations", Roles(SHOP), BATCHES;
    Oven = read "oven", Roles(SHOP), BATCHES;
    Batches = read "batches", Roles(SHOP), BATCHES;
    Batch = read "batch", Roles(SHOP), BATCHES;
    BatchPacking = read "batchPacking", Roles(SHOP), BATCHES;
    CureOrder = read "cureOrder", Roles(SHOP), BATCHES;
    CreateBatch = write "createBatch", Roles(SHOP), BATCHES;
    AddToBatch = write "addToBatch", Roles(SHOP), BATCHES;
    RemoveFromBatch = write "removeFromBatch", Roles(SHOP), BATCHES;
    LaunchBatch = write "launchBatch", Roles(SHOP), BATCHES;
    CloseBatch = write "closeBatch", Roles(SHOP), BATCHES;
    BatchLabels = read "GET /api/v1/batches/{id}/labels.pdf", Roles(SHOP), BATCHES;
    UpdateOven = write "updateOven", Roles(MANAGERS), BATCHES;

    Billing = read "billing", Roles(STAFF), INVOICING;
    PaymentMethodRules = read "paymentMethodRules", Roles(STAFF), INVOICING;
    RecordPayment = write "recordPayment", Roles(STAFF), INVOICING,
        "an operator by the methods the workshop allows its role (`paymentMethodRules`: cash and card unless it chose otherwise; the payment policy)";
    CreatePaymentLink = write "createPaymentLink", Roles(STAFF), PAYMENT_LINKS;
    Receipt = read "GET /api/v1/receipts/{sha256}", Roles(STAFF), INVOICING;
    InvoiceSettings = read "invoiceSettings", Roles(BOOKS), INVOICING;
    Invoices = read "invoices", Roles(BOOKS), INVOICING;
    Invoice = read "invoice", Roles(BOOKS), INVOICING;
    Payments = read "payments", Roles(BOOKS), INVOICING;
    FecArchives = read "fecArchives", Roles(BOOKS), INVOICING;
    Pennylane = read "pennylane", Roles(BOOKS), PENNYLANE;
    PaymentsToReview = read "paymentsToReview", Roles(BOOKS), INVOICING;
    MarkPaymentReviewed = write "markPaymentReviewed", Roles(BOOKS), INVOICING,
        "never the member who recorded the payment (the billing aggregate)";
    RecordRefund = write "recordRefund", Roles(BOOKS), INVOICING;
    IssueFinalInvoice = write "issueFinalInvoice", Roles(BOOKS), INVOICING;
    IssueCreditNote = write "issueCreditNote", Roles(BOOKS), INVOICING;
    InvoiceFiles = read "GET /api/v1/invoices/{id}/invoice.pdf, facturx.pdf, facturx.xml, ubl.xml", Roles(BOOKS), INVOICING;
    Exports = read "GET /api/v1/exports/fec, fec-archive, invoices.csv, payments.csv", Roles(BOOKS), INVOICING;
    UpdateInvoiceSettings = write "updateInvoiceSettings", Roles(MANAGERS), INVOICING;
    ConnectPennylane = write "connectPennylane", Roles(MANAGERS), PENNYLANE;
    DisconnectPennylane = write "disconnectPennylane", Roles(MANAGERS), PENNYLANE;
    SetPaymentMethods = write "setPaymentMethods", Roles(MANAGERS), INVOICING;

    EditorCatalogue = read "editor.catalogue", Roles(EDITORS), ACCOUNT;
    EditorCatalogueHistory = read "editor.catalogueHistory", Roles(EDITORS), ACCOUNT;
    EditorWorkspaces = read "editor.workspaces", Roles(EDITORS), ACCOUNT,
        "their name, sign-up, trial and activity; nothing of their business";
    EditorChangePrice = write "editor.changePrice", Roles(EDITORS), ACCOUNT,
        "applies from each workshop's next period, at least 30 days after the announcement";
    EditorMoveFeature = write "editor.moveFeature", Roles(EDITORS), ACCOUNT,
        "applies from each workshop's next period, at least 30 days after the announcement";
    EditorSetTrialLength = write "editor.setTrialLength", Roles(EDITORS), ACCOUNT;
    EditorSetFeatureRollout = write "editor.setFeatureRollout", Roles(EDITORS), ACCOUNT;
    EditorSetFeatureKillSwitch = write "editor.setFeatureKillSwitch", Roles(EDITORS), ACCOUNT;
    EditorNoticeTemplate = read "editor.noticeTemplate", Roles(EDITORS), ACCOUNT;
    EditorSaveNoticeTemplate = write "editor.saveNoticeTemplate", Roles(EDITORS), ACCOUNT;
    EditorResetNoticeTemplate = write "editor.resetNoticeTemplate", Roles(EDITORS), ACCOUNT;
}

impl Operation {
    pub fn allows(self, role: Role) -> bool {
        self.access().allows(role)
    }

    /// A REST route rather than a GraphQL field.
    pub fn is_route(self) -> bool {
        self.name().contains(' ')
    }

    /// A field of the editor's schema (`/editor/graphql`), named `editor.<field>`.
    pub fn is_editor(self) -> bool {
        self.name().starts_with("editor.")
    }

    /// The field's name in its schema (`createQuote`, `catalogue`), or the route.
    pub fn field(self) -> &'static str {
        self.name().strip_prefix("editor.").unwrap_or(self.name())
    }
}

/// The columns of the roles table: the roles a member holds, and the platform's editors.
const COLUMNS: [Role; 6] = [
    Role::Owner,
    Role::Admin,
    Role::Operator,
    Role::Accounting,
    Role::Client,
    Role::Editor,
];

/// `docs/api.md`'s "Who may do what" table: one row per run of operations with the same
/// access and note, in the table's order.
pub fn roles_table() -> String {
    let mut table = String::from(
        "| operation | owner | admin | operator | accounting | client | editor | rule |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut rows: Vec<(Vec<Operation>, Access, Option<&str>)> = Vec::new();
    for &operation in Operation::ALL {
        match rows.last_mut() {
            Some((operations, access, note))
                if *access == operation.access() && *note == operation.note() =>
            {
                operations.push(operation)
            }
            _ => rows.push((vec![operation], operation.access(), operation.note())),
        }
    }
    for (operations, access, note) in rows {
        let names: Vec<String> = operations
            .iter()
            .map(|operation| format!("`{}`", operation.name()))
            .collect();
        let cells: Vec<&str> = COLUMNS
            .iter()
            .map(|&role| if access.allows(role) { "✓" } else { "" })
            .collect();
        let rule = match (access, note) {
            (Public, None) => "anyone, signed in or not".to_owned(),
            (Public, Some(note)) => format!("anyone, signed in or not: {note}"),
            (SignedIn, None) => "any signed-in member".to_owned(),
            (SignedIn, Some(note)) => format!("any signed-in member, {note}"),
            (Roles(_), note) => note.unwrap_or_default().to_owned(),
        };
        table.push_str(&format!(
            "| {} | {} | {rule} |\n",
            names.join(", "),
            cells.join(" | ")
        ));
    }
    table
}

/// `docs/api.md`'s "What each plan includes" table: each feature, the plan that includes it
/// in the catalogue's seed (the editor may move it), and the staff operations it covers.
pub fn features_table() -> String {
    let (_, seeded) = domain::platform::catalogue::seed();
    let mut table = String::from("| feature | from plan (seed) | operations |\n|---|---|---|\n");
    for feature in Feature::ALL {
        let plan = seeded
            .iter()
            .find(|entry| entry.feature == feature)
            .map_or("—", |entry| entry.plan.label());
        let names: Vec<String> = Operation::ALL
            .iter()
            .filter(|operation| operation.feature() == Some(feature))
            .map(|operation| format!("`{}`", operation.name()))
            .collect();
        table.push_str(&format!(
            "| {} (`{}`) | {plan} | {} |\n",
            feature.label(),
            feature.as_str(),
            names.join(", ")
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/api.md` shows, between the markers of `table`, what `expected` draws. With
    /// `UPDATE_DOCS=1` (`cargo test -p api permissions`) the section is written in place.
    fn documented_as_drawn(table: &str, expected: String) {
        let begin = format!("<!-- {table} table: generated from api/src/permissions.rs -->\n");
        let end = format!("<!-- end of the {table} table -->\n");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md");
        let docs = std::fs::read_to_string(path).expect("docs/api.md");
        let start = docs
            .find(&begin)
            .unwrap_or_else(|| panic!("the {table} table's opening marker"))
            + begin.len();
        let stop = start + docs[start..].find(&end).expect("its closing marker");
        if docs[start..stop] == expected {
            return;
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{expected}{}", &docs[..start], &docs[stop..]);
            std::fs::write(path, updated).expect("write docs/api.md");
            return;
        }
        panic!(
            "docs/api.md's {table} table differs from api/src/permissions.rs; run \
             `UPDATE_DOCS=1 cargo test -p api permissions` or paste:\n\n{expected}"
        );
    }

    #[test]
    fn the_documented_roles_table_is_the_permissions_table() {
        documented_as_drawn("roles", roles_table());
    }

    /// Which operations each feature covers.
    #[test]
    fn the_documented_features_table_is_the_permissions_table() {
        documented_as_drawn("features", features_table());
    }

    /// Every feature a plan sells opens at least one operation, and only staff operations
    /// have one (the public and signed-in ones are every plan's).
    #[test]
    fn every_feature_covers_staff_operations() {
        for feature in Feature::ALL {
            let covered = Operation::ALL
                .iter()
                .any(|operation| operation.feature() == Some(feature));
            // Jantes is asked by `setModule` when it switches the module on; the other two
            // come with their features.
            let later = [Feature::EInvoicing, Feature::GoogleReviews, Feature::Jantes];
            assert!(
                covered || later.contains(&feature),
                "{feature:?} opens no operation"
            );
        }
        for operation in Operation::ALL {
            if operation.feature().is_some() {
                assert!(
                    matches!(operation.access(), Access::Roles(_)),
                    "{} has a feature but is not a staff operation",
                    operation.name()
                );
            }
        }
    }

    #[test]
    fn each_name_is_given_once() {
        let mut names: Vec<&str> = Operation::ALL
            .iter()
            .map(|operation| operation.name())
            .collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "an operation is named twice");
    }
}
