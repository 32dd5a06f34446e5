//! Reading a client file as French users produce it (format: schemas/csv/clients.md): Excel
//! exports with `;`, `,` or tabs, UTF-8 with or without BOM, UTF-16, Windows-1252, quoted
//! cells with line breaks, headers in French or English.

use domain::client::text::fold;
use domain::client::{Address, ClientError, ClientKind, ClientProfile};
use domain::{DomainError, ErrorKind};

/// About 30,000 clients (50,000 is about 8 MB), ten times a large workshop's client base.
/// The file travels in base64 inside a GraphQL body, whose limit for a signed-in user
/// (`api::http::request_size::SIGNED_IN_BODY_BYTES`) is set to carry it.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("le fichier dépasse {max_mb} Mo")]
    TooLarge { max_mb: usize },
    #[error("le fichier est vide")]
    Empty,
    #[error("ce n'est pas un fichier texte (un classeur Excel ?) : enregistrez-le au format CSV")]
    NotText,
    #[error("ligne {line} : CSV illisible ({detail})")]
    Malformed { line: u64, detail: String },
    #[error("colonnes manquantes : il faut au moins {missing}")]
    MissingColumns { missing: String },
}

impl DomainError for FileError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "IMPORT_FILE_TOO_LARGE",
            Self::Empty => "IMPORT_FILE_EMPTY",
            Self::NotText => "IMPORT_ENCODING_UNKNOWN",
            Self::Malformed { .. } => "IMPORT_CSV_MALFORMED",
            Self::MissingColumns { .. } => "IMPORT_COLUMNS_MISSING",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Validation
    }
}

/// A column the import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Kind,
    Company,
    Siret,
    Vat,
    FirstName,
    LastName,
    Email,
    Phone,
    Line1,
    Line2,
    Postcode,
    City,
    Country,
    DeliveryLine1,
    DeliveryLine2,
    DeliveryPostcode,
    DeliveryCity,
    DeliveryCountry,
    Tags,
    Notes,
}

/// Header spellings, folded (accents, case, `_`/`-` as spaces). The first one of each field
/// is the one exports write.
pub const HEADERS: &[(Field, &[&str])] = &[
    (Field::Kind, &["type", "kind", "type client", "categorie"]),
    (
        Field::Company,
        &[
            "societe",
            "raison sociale",
            "entreprise",
            "company",
            "company name",
        ],
    ),
    (Field::Siret, &["siret", "siren", "n siret", "numero siret"]),
    (
        Field::Vat,
        &[
            "tva intracommunautaire",
            "tva",
            "numero tva",
            "n tva",
            "vat",
            "vat number",
        ],
    ),
    (
        Field::FirstName,
        &["prenom", "first name", "firstname", "given name"],
    ),
    (
        Field::LastName,
        &["nom", "last name", "lastname", "surname", "family name"],
    ),
    (
        Field::Email,
        &["email", "e mail", "courriel", "mail", "adresse email"],
    ),
    (
        Field::Phone,
        &[
            "telephone",
            "tel",
            "phone",
            "mobile",
            "portable",
            "telephone 2",
            "telephones",
            "phone number",
        ],
    ),
    (
        Field::Line1,
        &[
            "adresse",
            "adresse 1",
            "address",
            "address 1",
            "rue",
            "street",
        ],
    ),
    (
        Field::Line2,
        &[
            "complement",
            "adresse 2",
            "complement d adresse",
            "address 2",
        ],
    ),
    (
        Field::Postcode,
        &[
            "code postal",
            "cp",
            "postcode",
            "zip",
            "postal code",
            "zip code",
        ],
    ),
    (Field::City, &["ville", "city", "commune", "town"]),
    (Field::Country, &["pays", "country"]),
    (
        Field::DeliveryLine1,
        &["adresse livraison", "delivery address", "livraison adresse"],
    ),
    (
        Field::DeliveryLine2,
        &["complement livraison", "delivery address 2"],
    ),
    (
        Field::DeliveryPostcode,
        &["code postal livraison", "cp livraison", "delivery postcode"],
    ),
    (Field::DeliveryCity, &["ville livraison", "delivery city"]),
    (
        Field::DeliveryCountry,
        &["pays livraison", "delivery country"],
    ),
    (Field::Tags, &["etiquettes", "tags", "etiquette", "groupe"]),
    (
        Field::Notes,
        &["notes", "note", "commentaire", "commentaires", "remarques"],
    ),
];

fn field_of(header: &str) -> Option<Field> {
    let folded = fold(&header.replace(['_', '.', '°', ':'], " "));
    HEADERS
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(field, _)| *field)
}

/// The text of the file and how it was encoded.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            max_mb: MAX_FILE_BYTES / (1024 * 1024),
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok((text.into_owned(), encoding.name()));
    }
    // A zip (xlsx, ods) or any file with NUL bytes is no text export.
    if bytes.starts_with(b"PK\x03\x04") || bytes.contains(&0) {
        return Err(FileError::NotText);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), "UTF-8")),
        // Excel's « CSV (séparateur : point-virgule) » on Windows.
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), "windows-1252"))
        }
    }
}

/// The separator of the header line: the most frequent of `;`, `,` and tab.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|separator| header.bytes().filter(|byte| byte == separator).count())
        .unwrap_or(b';')
}

/// The line of a quote opened and never closed: the reader would swallow the rest of the
/// file into one cell, so the file is refused there instead.
fn unterminated_quote(text: &str) -> Option<u64> {
    let (mut quoted, mut line, mut opened_at) = (false, 1u64, 1u64);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if quoted {
                    opened_at = line;
                }
            }
            '\n' => line += 1,
            _ => {}
        }
    }
    quoted.then_some(opened_at)
}

/// One data line: where it starts in the file and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The physical line where the record starts (1 is the header).
    pub number: u64,
    pub profile: Result<ClientProfile, ClientError>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFile {
    pub encoding: &'static str,
    pub delimiter: char,
    /// Each header and the field it was read as (none: ignored).
    pub columns: Vec<(String, Option<Field>)>,
    pub lines: Vec<Line>,
}

/// Reads every line; a line's problem stays with the line, a file's stops the file.
pub fn parse(bytes: &[u8]) -> Result<ParsedFile, FileError> {
    let (text, encoding) = decode(bytes)?;
    if let Some(line) = unterminated_quote(&text) {
        return Err(FileError::Malformed {
            line,
            detail: "guillemet ouvert jamais refermé".to_owned(),
        });
    }
    let separator = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| FileError::Malformed {
            line: 1,
            detail: error.to_string(),
        })?
        .clone();
    let columns: Vec<(String, Option<Field>)> = headers
        .iter()
        .map(|header| (header.to_owned(), field_of(header)))
        .collect();
    let has = |field| columns.iter().any(|(_, found)| *found == Some(field));
    if !has(Field::Company) && !has(Field::LastName) {
        return Err(FileError::MissingColumns {
            missing: "une colonne « nom » ou « société »".to_owned(),
        });
    }
    // The reader skips blank lines without counting them: line numbers come from offsets.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(offset, _)| offset + 1))
        .collect();
    // A record's position includes the blank lines skipped before it: step over them.
    let line_at = |byte: u64| {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX);
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        line_starts.partition_point(|start| *start <= byte) as u64
    };
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let number = line_at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                return Err(FileError::Malformed {
                    line: error
                        .position()
                        .map_or(number, |position| line_at(position.byte())),
                    detail: error.to_string(),
                })
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let number = record
            .position()
            .map_or(number, |position| line_at(position.byte()));
        lines.push(Line {
            number,
            profile: profile_of(&columns, &record),
        });
    }
    Ok(ParsedFile {
        encoding,
        delimiter: char::from(separator),
        columns,
        lines,
    })
}

fn profile_of(
    columns: &[(String, Option<Field>)],
    record: &csv::StringRecord,
) -> Result<ClientProfile, ClientError> {
    // Exports protect cells a spreadsheet would run as formulas with a leading `'`.
    let unprotect = |cell: &'_ str| -> String {
        match cell.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
            _ => cell.to_owned(),
        }
    };
    let cells = || {
        columns
            .iter()
            .zip(record.iter())
            .filter(|(_, cell)| !cell.is_empty())
            .filter_map(|((_, field), cell)| field.map(|field| (field, cell)))
    };
    let get = |wanted: Field| {
        cells()
            .find(|(field, _)| *field == wanted)
            .map(|(_, cell)| unprotect(cell))
    };
    let company = get(Field::Company);
    let kind = match get(Field::Kind).map(|kind| fold(&kind)) {
        Some(kind)
            if ["particulier", "private", "individual", "person", "part"]
                .contains(&kind.as_str()) =>
        {
            ClientKind::Private
        }
        Some(_) => ClientKind::Professional,
        None if company.is_some() => ClientKind::Professional,
        None => ClientKind::Private,
    };
    let phones: Vec<String> = cells()
        .filter(|(field, _)| *field == Field::Phone)
        .flat_map(|(_, cell)| {
            cell.split(['|', '/'])
                .map(|part| unprotect(part.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    let tags: Vec<String> = get(Field::Tags)
        .map(|tags| tags.split(['|', ',']).map(str::to_owned).collect())
        .unwrap_or_default();
    let address = |line1, line2, postcode, city, country| {
        let line1: Option<String> = get(line1);
        let postcode: Option<String> = get(postcode);
        let city: Option<String> = get(city);
        (line1.is_some() || postcode.is_some() || city.is_some()).then(|| Address {
            line1: line1.unwrap_or_default(),
            line2: get(line2),
            postcode: postcode.unwrap_or_default(),
            city: city.unwrap_or_default(),
            country: get(country).unwrap_or_default(),
        })
    };
    ClientProfile {
        kind,
        company_name: company,
        siret: get(Field::Siret),
        vat_number: get(Field::Vat),
        first_name: get(Field::FirstName),
        last_name: get(Field::LastName),
        email: get(Field::Email),
        phones,
        billing_address: address(
            Field::Line1,
            Field::Line2,
            Field::Postcode,
            Field::City,
            Field::Country,
        ),
        delivery_address: address(
            Field::DeliveryLine1,
            Field::DeliveryLine2,
            Field::DeliveryPostcode,
            Field::DeliveryCity,
            Field::DeliveryCountry,
        ),
        tags,
        notes: get(Field::Notes),
    }
    .validate()
}

/// The export header, in import order: the first spelling of each field.
pub fn export_headers() -> Vec<&'static str> {
    HEADERS.iter().map(|(_, names)| names[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(parsed: &ParsedFile) -> Vec<u64> {
        parsed.lines.iter().map(|line| line.number).collect()
    }

    #[test]
    fn an_excel_export_in_windows_1252_with_semicolons() {
        let text = "Société;Nom;Prénom;Téléphone;E-mail;Code postal;Ville;Adresse\r\n\
                    Garage Martin;Martin;Éloïse;06 12 34 56 78;contact@garage-martin.fr;49000;Angers;12 rue des Forges\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.encoding, "windows-1252");
        assert_eq!(parsed.delimiter, ';');
        let profile = parsed.lines[0].profile.clone().unwrap();
        assert_eq!(profile.first_name.as_deref(), Some("Éloïse"));
        assert_eq!(profile.kind, ClientKind::Professional);
        assert_eq!(profile.phones, ["+33612345678"]);
        assert_eq!(profile.billing_address.unwrap().city, "Angers");
    }

    #[test]
    fn utf8_with_bom_commas_and_quoted_line_breaks() {
        let text = "\u{feff}last_name,first_name,email,notes\n\
                    Durand,Hélène,helene@exemple.fr,\"Portail bleu,\nsonner deux fois\"\n\
                    \n\
                    Petit,Luc,pas-un-email,\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.encoding, "UTF-8");
        assert_eq!(parsed.delimiter, ',');
        assert_eq!(numbers(&parsed), [2, 5], "the quoted break spans lines 2-3");
        let first = parsed.lines[0].profile.clone().unwrap();
        assert_eq!(
            first.notes.as_deref(),
            Some("Portail bleu,\nsonner deux fois")
        );
        assert_eq!(first.kind, ClientKind::Private);
        assert_eq!(
            parsed.lines[1].profile.clone().unwrap_err().code(),
            "CLIENT_EMAIL_INVALID"
        );
    }

    #[test]
    fn utf16_tab_separated_unicode_text() {
        let text = "Nom\tPrénom\tCourriel\r\nLefèvre\tAnaïs\tanais@exemple.fr\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.encoding, "UTF-16LE");
        assert_eq!(parsed.delimiter, '\t');
        assert_eq!(
            parsed.lines[0]
                .profile
                .clone()
                .unwrap()
                .last_name
                .as_deref(),
            Some("Lefèvre")
        );
    }

    #[test]
    fn files_that_cannot_be_read_say_why() {
        for (bytes, code) in [
            (b"   \n".to_vec(), "IMPORT_FILE_EMPTY"),
            (b"PK\x03\x04binary".to_vec(), "IMPORT_ENCODING_UNKNOWN"),
            (
                b"ville;email\nAngers;a@b.fr\n".to_vec(),
                "IMPORT_COLUMNS_MISSING",
            ),
            (
                b"nom;email\n\"Martin;a@b.fr\nDurand;\"x\"y;c@d.fr\n".to_vec(),
                "IMPORT_CSV_MALFORMED",
            ),
            (vec![b'a'; MAX_FILE_BYTES + 1], "IMPORT_FILE_TOO_LARGE"),
        ] {
            assert_eq!(parse(&bytes).map(|_| ()).unwrap_err().code(), code);
        }
    }

    #[test]
    fn english_headers_and_ignored_columns() {
        let parsed = parse(
            b"Company;Phone;Mobile;Favourite colour\nACME;02 41 00 00 00;06 12 34 56 78;bleu\n",
        )
        .unwrap();
        assert_eq!(parsed.columns[3], ("Favourite colour".to_owned(), None));
        let profile = parsed.lines[0].profile.clone().unwrap();
        assert_eq!(profile.phones, ["+33241000000", "+33612345678"]);
    }

    #[test]
    fn the_documented_example_reads_clean_with_the_export_headers() {
        let example = include_bytes!("../../../schemas/csv/clients-example.csv");
        let parsed = parse(example).unwrap();
        let headers: Vec<&str> = parsed
            .columns
            .iter()
            .map(|(header, _)| header.as_str())
            .collect();
        assert_eq!(
            headers,
            export_headers(),
            "schemas/csv/clients.md and the code agree"
        );
        assert!(parsed.columns.iter().all(|(_, field)| field.is_some()));
        assert_eq!(parsed.lines.len(), 3);
        for line in &parsed.lines {
            assert!(
                line.profile.is_ok(),
                "line {}: {:?}",
                line.number,
                line.profile
            );
        }
    }
}
