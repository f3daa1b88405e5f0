"""Writing CSV and XLSX exports safely, and reading uploaded spreadsheets."""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from .uploads import UnsafeArchiveError, check_zip

#: A cell starting with one of these is a formula to Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class SpreadsheetError(ValueError):
    """A file that cannot be read as a spreadsheet."""


def neutralise(value):
    """Make a text cell inert: prefix a quote when it would start a formula (OWASP CSV
    injection). Numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a BOM, so Excel shows accented and non-Latin names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise("" if v is None else v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """An XLSX workbook with one sheet; text cells are stored as text, never as formulas."""
    return to_xlsx_sheets([(sheet_title, header, rows)])


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook with a sheet per (title, header, rows)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_title, header, rows in sheets:
        _fill(workbook.create_sheet(sheet_title[:31]), header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(sheet, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    # openpyxl would store a string starting with "=" as a formula: see the loop below.
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                # Stored as a text cell, so "=HYPERLINK(...)" stays text and the name is
                # kept exactly as entered (no added quote, unlike CSV).
                cell.data_type = "s"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
    sheet.freeze_panes = "A2"


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The rows of an uploaded XLSX or CSV file as lists of strings (the header included).

    CSV: UTF-8 with or without a BOM, comma or semicolon separated.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise SpreadsheetError("The file is named .xlsx but is not an Excel workbook.")
        try:
            check_zip(data)
        except UnsafeArchiveError as exc:
            raise SpreadsheetError(str(exc)) from exc
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SpreadsheetError("The Excel file could not be read; is it damaged?") from exc
        sheet = workbook.worksheets[0]
        rows = [
            ["" if value is None else str(value).strip() for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        workbook.close()
        return rows
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(
                "The CSV file is not UTF-8. Save it as “CSV UTF-8” and upload it again."
            ) from exc
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    raise SpreadsheetError("Upload an .xlsx or .csv file.")
