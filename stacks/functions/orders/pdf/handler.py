"""Seed 003: invoice PDF generator.

Subscribed to the order events topic: for each OrderCreated message it writes
`invoices/<orderId>.pdf` to the invoices bucket (encrypted by the bucket's default key).
A failure raises, so Lambda retries and finally sends the event to the on-failure queue.
The PDF is written by hand (one page, Helvetica) to keep the package free of dependencies.
"""

import json
import logging
import os

import boto3

BUCKET = os.environ["INVOICES_BUCKET"]
PREFIX = os.environ.get("INVOICE_PREFIX", "invoices/")

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

s3 = boto3.client("s3")


def handler(event, context):
    for record in event.get("Records", []):
        message = json.loads(record["Sns"]["Message"])
        if message.get("type") != "OrderCreated":
            continue
        order = message["order"]
        key = f"{PREFIX}{order['orderId']}.pdf"
        s3.put_object(
            Bucket=BUCKET,
            Key=key,
            Body=invoice_pdf(order),
            ContentType="application/pdf",
            # Straight into Intelligent-Tiering, where the bucket's archive tiers apply.
            StorageClass="INTELLIGENT_TIERING",
            ContentDisposition=f'inline; filename="{order["orderId"]}.pdf"',
        )
        logger.info("invoice written", extra={"orderId": order["orderId"], "key": key})


def invoice_pdf(order):
    lines = [
        f"Invoice for order {order['orderId']}",
        f"Date: {order['createdAt']}",
        f"Customer: {order['customerId']}",
        "",
    ]
    for item in order.get("items", []):
        lines.append(f"{item.get('quantity')} x {item.get('sku')} @ {item.get('unitPrice')}")
    lines += ["", f"Total: {order.get('total')}"]
    return pdf_document(lines)


def pdf_escape(text):
    text = str(text).encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_document(lines):
    """A one-page PDF 1.4 with the lines in 12 pt Helvetica."""
    content = ["BT", "/F1 12 Tf", "14 TL", "72 770 Td"]
    for line in lines:
        content.append(f"({pdf_escape(line)}) Tj T*")
    content.append("ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
