"""Writing CSV and XLSX exports safely, and reading uploaded spreadsheets.

Every export of the application is written by ``to_csv``, ``to_xlsx`` or ``to_xlsx_sheets``,
and every value they write, headers and sheet titles included, passes through the one
function of its format: ``csv_cell`` or ``_append`` (XLSX rows), ``sheet_title`` (XLSX sheet
names). No other module writes a spreadsheet (tests/test_spreadsheets.py checks the imports),
so no user text reaches a cell around them.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, time
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from .uploads import UnsafeArchiveError, check_zip

#: A cell starting with one of these is a formula to Excel and LibreOffice; their full-width
#: forms (which Japanese input methods type) count too: ``starts_a_formula`` folds them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: What XML 1.0, so XLSX, cannot hold: control characters other than tab, newline, return.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CELL_MAX = 32767  #: Excel's longest text in a cell; a longer one makes the file "damaged"
#: What Excel refuses in a sheet name, and its longest.
_NOT_IN_SHEET_TITLE = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


class SpreadsheetError(ValueError):
    """A file that cannot be read as a spreadsheet."""


def cell_text(value):
    """A value as a spreadsheet can hold it: numbers, dates and None as they are; anything
    else as text without the characters XLSX cannot store, cut at Excel's limit."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | time):
        return value
    text = _UNWRITABLE.sub("", str(value))
    return text if len(text) <= CELL_MAX else text[: CELL_MAX - 1] + "…"


def starts_a_formula(text: str) -> bool:
    return bool(text) and unicodedata.normalize("NFKC", text[0]).startswith(FORMULA_PREFIXES)


def neutralise(value):
    """Make a text cell inert: prefix a quote when it would start a formula (OWASP CSV
    injection). Numbers and dates stay as they are."""
    if isinstance(value, str) and starts_a_formula(value):
        return "'" + value
    return value


def csv_cell(value):
    """Every value of a CSV file, headers included, passes here."""
    return neutralise(cell_text("" if value is None else value))


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a BOM, so Excel shows accented and non-Latin names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """An XLSX workbook with one sheet; text cells are stored as text, never as formulas."""
    return to_xlsx_sheets([(sheet_title, header, rows)])


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook with a sheet per (title, header, rows)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for title, header, rows in sheets:
        _fill(workbook.create_sheet(sheet_title(title, taken)), header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_title(title, taken: set[str]) -> str:
    """A sheet name Excel accepts, from any text: without the characters it refuses or a
    formula's first character, no quote at either end, at most 31 characters, not
    "History" (reserved), and not one already in ``taken`` (which it joins)."""
    name = _NOT_IN_SHEET_TITLE.sub(" ", cell_text(title or "") or "")
    name = " ".join(name.split())
    while name and (starts_a_formula(name) or name[0] == "'"):
        name = name[1:].lstrip()
    name = name[:SHEET_TITLE_MAX].rstrip(" '") or "Sheet"
    if name.casefold() == "history":
        name = "History (sheet)"
    unique, number = name, 2
    while unique.casefold() in taken:
        suffix = f" ({number})"
        unique = name[: SHEET_TITLE_MAX - len(suffix)].rstrip(" '") + suffix
        number += 1
    taken.add(unique.casefold())
    return unique


def _append(sheet, values: Sequence) -> list[Cell]:
    """Write one row, header or data: every text is stored as a text cell, so
    "=HYPERLINK(...)" (or "#N/A") stays the text that was typed, never a formula (or an
    error value), and names are kept exactly as entered (no added quote, unlike CSV)."""
    cells = [Cell(sheet, value=cell_text(v)) for v in values]
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    sheet.append(cells)
    return cells


def _fill(sheet, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    for cell in _append(sheet, header):
        cell.font = Font(bold=True)
    for row in rows:
        _append(sheet, row)
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
            # Read-only sheets are parsed while their rows are read: a damaged sheet, or one
            # whose entities expand past the XML parser's amplification limit, fails here.
            rows = [
                ["" if value is None else str(value).strip() for value in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)
            ]
            workbook.close()
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SpreadsheetError("The Excel file could not be read; is it damaged?") from exc
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
