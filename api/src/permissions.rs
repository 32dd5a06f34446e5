//! Who may call what: one entry per GraphQL operation (every field of `Query` and
//! `Mutation`) and per authenticated REST route, the only place a role list is written.
//! Resolvers and handlers ask `Actor::require_for(Operation::…)`; `docs/api.md`'s roles
//! table is drawn from here (`roles_table`, checked by this module's test); the end-to-end
//! test `roles.rs` calls every entry as every role against the real server, and checks that
//! every field of `schemas/schema.graphql` has its entry.
//!
//! A few rules depend on more than the role; they stay beside the decision they belong to
//! and are named here in the entry's note, so the table never claims more than it checks.

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

/// One line per operation: the enum, its GraphQL field name or route, its access and, for
/// the rules that depend on more than the role, a note. The order is the documentation's.
macro_rules! operations {
    ($($variant:ident = $name:literal, $access:expr $(, $note:literal)?;)*) => {
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

            /// The rule beyond the role, where there is one, and where it is checked.
            pub fn note(self) -> Option<&'static str> {
                match self {
                    $(Operation::$variant => operations!(@note $($note)?),)*
                }
            }
        }
    };
    (@note) => { None };
    (@note $note:literal) => { Some($note) };
}

use Access::{Public, Roles, SignedIn};

operations! {
    ApiVersion = "apiVersion", Public;
    EmailVariables = "emailVariables", Public, "the list of template variables, the same for all";
    SignUp = "signUp", Public;
    VerifyEmail = "verifyEmail", Public;
    Login = "login", Public;
    RefreshSession = "refreshSession", Public;
    Logout = "logout", Public;
    RequestPasswordReset = "requestPasswordReset", Public;
    ResetPassword = "resetPassword", Public;
    AcceptInvitation = "acceptInvitation", Public,
        "the invitation's link is the proof; the role granted is the invitation's";
    Me = "me", SignedIn, "also before an owner or admin has set up the second factor";
    StartTwoFactorEnrolment = "startTwoFactorEnrolment", SignedIn,
        "also before an owner or admin has set up the second factor";
    ConfirmTwoFactorEnrolment = "confirmTwoFactorEnrolment", SignedIn,
        "also before an owner or admin has set up the second factor";
    Workspace = "workspace", SignedIn;

    RenameWorkspace = "renameWorkspace", Roles(MANAGERS);
    SetModule = "setModule", Roles(MANAGERS);
    Members = "members", Roles(MANAGERS);
    ChangeMemberRole = "changeMemberRole", Roles(MANAGERS),
        "only an owner makes an owner or changes one (`OWNER_ONLY`, the workspace aggregate)";
    DeactivateMember = "deactivateMember", Roles(MANAGERS),
        "only an owner deactivates an owner (`OWNER_ONLY`, the workspace aggregate)";
    InviteMember = "inviteMember", Roles(MANAGERS),
        "only an owner invites an owner (`Role::may_invite`)";
    Invitations = "invitations", Roles(MANAGERS);
    RevokeInvitation = "revokeInvitation", Roles(MANAGERS);
    AuditLog = "auditLog", Roles(MANAGERS);
    AuditLogCsv = "GET /api/v1/audit-log.csv", Roles(MANAGERS);

    EmailTemplates = "emailTemplates", Roles(MANAGERS);
    EmailDeliveries = "emailDeliveries", Roles(MANAGERS);
    SaveEmailTemplate = "saveEmailTemplate", Roles(MANAGERS);
    ResetEmailTemplate = "resetEmailTemplate", Roles(MANAGERS);
    PreviewEmailTemplate = "previewEmailTemplate", Roles(MANAGERS);
    EmailSettings = "emailSettings", Roles(MANAGERS);
    SaveEmailSettings = "saveEmailSettings", Roles(MANAGERS);
    RemoveEmailSettings = "removeEmailSettings", Roles(MANAGERS);
    StartEmailOAuth = "startEmailOAuth", Roles(MANAGERS);
    CompleteEmailOAuth = "completeEmailOAuth", Roles(MANAGERS);
    SendTestEmail = "sendTestEmail", Roles(MANAGERS);

    Powders = "powders", Roles(STAFF);
    PowderStock = "powderStock", Roles(STAFF);
    ToWeighToday = "toWeighToday", Roles(STAFF);
    PowderWeighings = "powderWeighings", Roles(STAFF);
    StockSettings = "stockSettings", Roles(STAFF);
    Inventories = "inventories", Roles(STAFF);
    RegisterPowder = "registerPowder", Roles(MANAGERS);
    UpdatePowder = "updatePowder", Roles(MANAGERS);
    ArchivePowder = "archivePowder", Roles(MANAGERS);
    RestorePowder = "restorePowder", Roles(MANAGERS);
    ReceivePowder = "receivePowder", Roles(MANAGERS);
    UpdateStockSettings = "updateStockSettings", Roles(MANAGERS);
    PlanInventory = "planInventory", Roles(MANAGERS);
    CloseInventory = "closeInventory", Roles(MANAGERS);
    ImportPowders = "importPowders", Roles(MANAGERS);
    ImportSupplierCatalogue = "importSupplierCatalogue", Roles(MANAGERS);
    LookupSupplierPowder = "lookupSupplierPowder", Roles(MANAGERS);
    ConsumePowder = "consumePowder", Roles(SHOP);
    WeighPowder = "weighPowder", Roles(SHOP);
    ReorderSuggestions = "reorderSuggestions", Roles(BOOKS);

    Clients = "clients", Roles(STAFF);
    Client = "client", Roles(STAFF);
    DuplicateCandidates = "duplicateCandidates", Roles(STAFF);
    CrmSettings = "crmSettings", Roles(STAFF);
    ClientsCsv = "GET /api/v1/clients.csv", Roles(STAFF);
    CreateClient = "createClient", Roles(SHOP);
    UpdateClient = "updateClient", Roles(SHOP);
    RecordInteraction = "recordInteraction", Roles(SHOP);
    PreviewClientImport = "previewClientImport", Roles(SHOP);
    ArchiveClient = "archiveClient", Roles(MANAGERS);
    RestoreClient = "restoreClient", Roles(MANAGERS);
    RevokePortalAccess = "revokePortalAccess", Roles(MANAGERS);
    MergeClients = "mergeClients", Roles(MANAGERS);
    SetDuplicateCriteria = "setDuplicateCriteria", Roles(MANAGERS);
    ConfirmClientImport = "confirmClientImport", Roles(MANAGERS);

    Quotes = "quotes", Roles(STAFF_AND_CLIENT),
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    Quote = "quote", Roles(STAFF_AND_CLIENT),
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuotePdf = "GET /api/v1/quotes/{id}.pdf", Roles(STAFF_AND_CLIENT),
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuoteDocument = "GET /api/v1/quotes/{id}/documents/{sha256}.pdf", Roles(STAFF_AND_CLIENT),
        "a client: its own, as sent (no draft, no breakdown; `quote_access::visible_quote`)";
    QuoteSettings = "quoteSettings", Roles(STAFF);
    QuoteTemplate = "quoteTemplate", Roles(STAFF);
    QuoteTemplatePresets = "quoteTemplatePresets", Roles(STAFF);
    QuoteSignatures = "quoteSignatures", Roles(STAFF);
    CreateQuote = "createQuote", Roles(SHOP);
    UpdateQuote = "updateQuote", Roles(SHOP);
    ReviseQuote = "reviseQuote", Roles(SHOP);
    SendQuote = "sendQuote", Roles(SHOP);
    RefuseQuote = "refuseQuote", Roles(SHOP);
    SignQuote = "signQuote", Roles(SHOP_AND_CLIENT),
        "a client signs its own quote; the workshop signs for the client with the scan of its signature";
    UpdateQuoteSettings = "updateQuoteSettings", Roles(MANAGERS);
    ChooseQuoteTemplate = "chooseQuoteTemplate", Roles(MANAGERS);
    CustomizeQuoteTemplate = "customizeQuoteTemplate", Roles(MANAGERS);
    UploadQuoteLogo = "uploadQuoteLogo", Roles(MANAGERS);

    Projects = "projects", Roles(STAFF);
    Project = "project", Roles(STAFF);
    WorkshopQueue = "workshopQueue", Roles(STAFF);
    Scan = "scan", Roles(STAFF);
    ProjectPhotos = "projectPhotos", Roles(STAFF);
    PhotoStorage = "photoStorage", Roles(STAFF);
    Workflow = "workflow", Roles(STAFF);
    NonConformityStats = "nonConformityStats", Roles(STAFF);
    CreateProject = "createProject", Roles(SHOP);
    ValidateStep = "validateStep", Roles(SHOP);
    SkipStep = "skipStep", Roles(SHOP);
    RecordQualityControl = "recordQualityControl", Roles(SHOP);
    DeclareNonConformity = "declareNonConformity", Roles(SHOP);
    AnnotatePhoto = "annotatePhoto", Roles(SHOP);
    DeliverProject = "deliverProject", Roles(SHOP);
    ProjectFiles = "GET /api/v1/projects/{id}/labels.pdf, report.pdf", Roles(SHOP);
    PhotoUpload = "POST /api/v1/projects/{id}/photos", Roles(SHOP);
    UpdateWorkflow = "updateWorkflow", Roles(MANAGERS);

    BatchRecommendations = "batchRecommendations", Roles(SHOP);
    Oven = "oven", Roles(SHOP);
    Batches = "batches", Roles(SHOP);
    Batch = "batch", Roles(SHOP);
    BatchPacking = "batchPacking", Roles(SHOP);
    CureOrder = "cureOrder", Roles(SHOP);
    CreateBatch = "createBatch", Roles(SHOP);
    AddToBatch = "addToBatch", Roles(SHOP);
    RemoveFromBatch = "removeFromBatch", Roles(SHOP);
    LaunchBatch = "launchBatch", Roles(SHOP);
    CloseBatch = "closeBatch", Roles(SHOP);
    BatchLabels = "GET /api/v1/batches/{id}/labels.pdf", Roles(SHOP);
    UpdateOven = "updateOven", Roles(MANAGERS);

    Billing = "billing", Roles(STAFF);
    PaymentMethodRules = "paymentMethodRules", Roles(STAFF);
    RecordPayment = "recordPayment", Roles(STAFF),
        "an operator by the methods the workshop allows its role (`paymentMethodRules`: cash and card unless it chose otherwise; the payment policy)";
    CreatePaymentLink = "createPaymentLink", Roles(STAFF);
    Receipt = "GET /api/v1/receipts/{sha256}", Roles(STAFF);
    InvoiceSettings = "invoiceSettings", Roles(BOOKS);
    Invoices = "invoices", Roles(BOOKS);
    Invoice = "invoice", Roles(BOOKS);
    Payments = "payments", Roles(BOOKS);
    FecArchives = "fecArchives", Roles(BOOKS);
    Pennylane = "pennylane", Roles(BOOKS);
    PaymentsToReview = "paymentsToReview", Roles(BOOKS);
    MarkPaymentReviewed = "markPaymentReviewed", Roles(BOOKS),
        "never the member who recorded the payment (the billing aggregate)";
    RecordRefund = "recordRefund", Roles(BOOKS);
    IssueFinalInvoice = "issueFinalInvoice", Roles(BOOKS);
    IssueCreditNote = "issueCreditNote", Roles(BOOKS);
    InvoiceFiles = "GET /api/v1/invoices/{id}/invoice.pdf, facturx.pdf, facturx.xml, ubl.xml", Roles(BOOKS);
    Exports = "GET /api/v1/exports/fec, fec-archive, invoices.csv, payments.csv", Roles(BOOKS);
    UpdateInvoiceSettings = "updateInvoiceSettings", Roles(MANAGERS);
    ConnectPennylane = "connectPennylane", Roles(MANAGERS);
    DisconnectPennylane = "disconnectPennylane", Roles(MANAGERS);
    SetPaymentMethods = "setPaymentMethods", Roles(MANAGERS);
}

impl Operation {
    pub fn allows(self, role: Role) -> bool {
        self.access().allows(role)
    }

    /// A REST route rather than a GraphQL field.
    pub fn is_route(self) -> bool {
        self.name().contains(' ')
    }
}

/// The columns of the roles table: the roles a member holds.
const COLUMNS: [Role; 5] = Role::MEMBER_ROLES;

/// `docs/api.md`'s "Who may do what" table: one row per run of operations with the same
/// access and note, in the table's order.
pub fn roles_table() -> String {
    let mut table = String::from(
        "| operation | owner | admin | operator | accounting | client | rule |\n\
         |---|---|---|---|---|---|---|\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- roles table: generated from api/src/permissions.rs -->\n";
    const END: &str = "<!-- end of the roles table -->\n";

    /// `docs/api.md` shows the table as `roles_table` draws it. `UPDATE_DOCS=1 cargo test -p
    /// api permissions` writes it in place.
    #[test]
    fn the_documented_roles_table_is_the_permissions_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md");
        let docs = std::fs::read_to_string(path).expect("docs/api.md");
        let start = docs.find(BEGIN).expect("the roles table's opening marker") + BEGIN.len();
        let end = start + docs[start..].find(END).expect("its closing marker");
        let expected = roles_table();
        if docs[start..end] == expected {
            return;
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let updated = format!("{}{expected}{}", &docs[..start], &docs[end..]);
            std::fs::write(path, updated).expect("write docs/api.md");
            return;
        }
        panic!(
            "docs/api.md's roles table differs from api/src/permissions.rs; run \
             `UPDATE_DOCS=1 cargo test -p api permissions` or paste:\n\n{expected}"
        );
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
