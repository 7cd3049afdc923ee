"""Spreadsheet import (批量导入): one declarative framework every module copies.

A module declares its columns once (Chinese header, key, required, parser, example) and gets:

* reading of ``.xlsx`` (python-calamine, a Rust reader: values only) and ``.csv`` (UTF-8 with or
  without BOM, GB18030/GBK as saved by Chinese Excel, UTF-16 "Unicode text"), header matched by label
  whatever the whitespace and column order, unknown or missing required headers refused;
* validation of every row and every cell, collecting *all* errors as (Excel row, column, value, reason);
  a parser that depends on the cell alone (``Parser.cacheable``) parses each distinct cell once per import;
* a cross-row hook (duplicates in the file, references to earlier rows);
* all-or-nothing: any error and nothing is written; otherwise ``commit(rows)`` writes set-based
  (``bulk_create`` in chunks, or ``insert_rows``: COPY on PostgreSQL, executemany elsewhere) inside one
  transaction, with one audit record (``Action.IMPORT``);
* the downloadable template (header, example row, a 填写说明 sheet) and error report (.xlsx);
* generic views (upload page, template download) used by every module's URLs;
* registered importers (``register_importer``): the kernel's page ``/imports/<key>/`` and API
  ``/api/v1/imports/<key>/``, and files too large for a request imported by the job
  ``core.import_run`` with a progress page (``jobs``, ``pages``, ``api``).

Reading, validating and committing are plain methods taking a file object and an actor, so a
background job (``jiguan.core.jobs``) runs the same code with a ``progress(done, total)`` callback.
Validated rows are spooled to a temporary file past a few MB, so a million-row file is validated in
constant memory. See docs/development/imports.md.
"""

# ``pages`` and ``api`` (the pages and API of registered importers, built from the registry by
# ``urls`` and ``api_urls``) are imported by the modules that use them.
from .importer import CELL_CACHE_SIZE, ImportColumn, Importer, ImportResult, RowError, xlsx_download
from .jobs import (
    ImportJob,
    estimate_rows,
    progress_context,
    result_from_dict,
    run_import_job,
    start_import_job,
)
from .parsers import REQUIRED, Boolean, Choice, Date, DecimalNumber, Integer, Parser, Text, display, is_blank
from .readers import (
    DEFAULTS,
    SUPPORTED_EXTENSIONS,
    XLSX_CONTENT_TYPE,
    ImportFileError,
    detect_encoding,
    file_extension,
    file_sha256,
    import_setting,
    iter_csv,
    iter_table,
    iter_xlsx,
    normalize_header,
)
from .registry import ImportDeclaration, importer_for, register_importer, registered
from .store import ImportRow, RowStore, chunked, insert_rows, reserve_ids
from .views import (
    ImportForm,
    ImportTemplateView,
    ImportView,
    error_report_file,
    error_report_name,
    report_folder,
    save_error_report,
)

__all__ = [
    "Boolean",
    "CELL_CACHE_SIZE",
    "Choice",
    "chunked",
    "Date",
    "DecimalNumber",
    "DEFAULTS",
    "detect_encoding",
    "display",
    "error_report_file",
    "error_report_name",
    "estimate_rows",
    "file_extension",
    "file_sha256",
    "import_setting",
    "ImportColumn",
    "ImportDeclaration",
    "importer_for",
    "Importer",
    "ImportFileError",
    "ImportForm",
    "ImportJob",
    "ImportResult",
    "ImportRow",
    "ImportTemplateView",
    "ImportView",
    "insert_rows",
    "Integer",
    "is_blank",
    "iter_csv",
    "iter_table",
    "iter_xlsx",
    "normalize_header",
    "Parser",
    "progress_context",
    "register_importer",
    "registered",
    "report_folder",
    "REQUIRED",
    "reserve_ids",
    "result_from_dict",
    "RowError",
    "RowStore",
    "run_import_job",
    "save_error_report",
    "start_import_job",
    "SUPPORTED_EXTENSIONS",
    "Text",
    "XLSX_CONTENT_TYPE",
    "xlsx_download",
]
