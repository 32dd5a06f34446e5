//! Factur-X (profile EN 16931): the invoice PDF with its CII XML embedded as `factur-x.xml`
//! (relationship `Alternative`), declared PDF/A-3B in XMP metadata with the Factur-X
//! extension schema, and an sRGB output intent. The PDF genpdf draws is reopened with lopdf
//! (printpdf's own PDF library) and completed; its pages are untouched.
//!
//! The sRGB profile (588 bytes) is LittleCMS's built-in sRGB, written once with Pillow's
//! `ImageCms.createProfile("sRGB")`.

use chrono::{DateTime, Utc};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};

const SRGB_ICC: &[u8] = include_bytes!("sRGB.icc");
pub const FILE_NAME: &str = "factur-x.xml";

fn text(value: &str) -> Object {
    Object::String(value.as_bytes().to_vec(), StringFormat::Literal)
}

fn xml_escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xmp(title: &str, at: DateTime<Utc>) -> String {
    let when = at.format("%Y-%m-%dT%H:%M:%S+00:00");
    let property = |name: &str, description: &str| {
        format!("<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>")
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title></rdf:Description>
<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"><xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate></rdf:Description>
<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"><pdf:Producer>ThermoGestion</pdf:Producer></rdf:Description>
<rdf:Description rdf:about=\"\" xmlns:fx=\"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#\"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>{FILE_NAME}</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>EN 16931</fx:ConformanceLevel></rdf:Description>
<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\"><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema><pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>{}{}{}{}</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end=\"w\"?>",
        property("DocumentFileName", "The name of the embedded XML document"),
        property("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
        property("Version", "The actual version of the standard applying to the embedded XML document"),
        property("ConformanceLevel", "The conformance level of the embedded XML document"),
    )
}

/// `pdf` with `xml` embedded as Factur-X, dated `at`.
pub fn facturx_pdf(
    pdf: &[u8],
    xml: &str,
    title: &str,
    at: DateTime<Utc>,
) -> Result<Vec<u8>, lopdf::Error> {
    let mut doc = Document::load_mem(pdf)?;
    doc.version = "1.7".to_owned();
    let pdf_date = at.format("D:%Y%m%d%H%M%S+00'00'").to_string();
    let embedded = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(b"text/xml".to_vec()),
            "Params" => dictionary! {
                "Size" => xml.len() as i64,
                "ModDate" => text(&pdf_date),
            },
        },
        xml.as_bytes().to_vec(),
    ));
    let filespec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => text(FILE_NAME),
        "UF" => text(FILE_NAME),
        "Desc" => text("Factur-X (EN 16931)"),
        "AFRelationship" => "Alternative",
        "EF" => dictionary! { "F" => embedded, "UF" => embedded },
    });
    let mut metadata = Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp(&xml_escape(title), at).into_bytes(),
    );
    // Metadata stays readable by any tool: never compressed.
    metadata.allows_compression = false;
    let metadata = doc.add_object(metadata);
    let icc = doc.add_object(Stream::new(dictionary! { "N" => 3 }, SRGB_ICC.to_vec()));
    let info = doc.add_object(dictionary! {
        "Title" => text(title),
        "Producer" => text("ThermoGestion"),
        "CreationDate" => text(&pdf_date),
        "ModDate" => text(&pdf_date),
    });
    doc.trailer.set("Info", info);
    let root = doc.trailer.get(b"Root")?.as_reference()?;
    let catalog = doc.get_object_mut(root)?.as_dict_mut()?;
    catalog.set("Metadata", metadata);
    catalog.set("AF", vec![Object::Reference(filespec)]);
    catalog.set(
        "Names",
        dictionary! {
            "EmbeddedFiles" => dictionary! {
                "Names" => vec![text(FILE_NAME), Object::Reference(filespec)],
            },
        },
    );
    catalog.set(
        "OutputIntents",
        vec![Object::Dictionary(dictionary! {
            "Type" => "OutputIntent",
            "S" => "GTS_PDFA1",
            "OutputConditionIdentifier" => text("sRGB"),
            "Info" => text("sRGB IEC61966-2.1"),
            "DestOutputProfile" => icc,
        })],
    );
    let mut out = Vec::with_capacity(pdf.len() + xml.len() + 8 * 1024);
    doc.save_to(&mut out)?;
    Ok(out)
}
