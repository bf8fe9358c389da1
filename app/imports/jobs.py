"""The jobs of a spreadsheet import: checking an upload (again, with the columns the user
set) and saving it. Their work is the import pages' (`app.imports.pages.ImportPages`) of
the import's kind; they run on the queue's workers, in a thread, or in the request."""

from app.imports.pages import IMPORT_PAGES
from app.jobs import JobFailed, job_kind
from models.jobs import N_


def _pages(import_kind: str):
    pages = IMPORT_PAGES.get(import_kind)
    if pages is None:
        raise JobFailed(N_("This kind of job is not known to this worker."))
    return pages


@job_kind("import_check", N_("Check an import"))
def check_upload(job, import_kind: str, token: str, mapping: dict | None = None) -> dict:
    """Read and check an uploaded spreadsheet, and keep its preview."""
    return _pages(import_kind).run_check(job, token, mapping)


@job_kind("import_confirm", N_("Save an import"))
def confirm_upload(job, import_kind: str, token: str) -> dict:
    """Save a checked upload's rows, all of them or none."""
    return _pages(import_kind).run_confirm(job, token)
