"""The librarians' pages that bring a catalog in and take it out (issue 16)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from . import catalog_io
from .forms import ImportBooksForm


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("catalog.add_book", raise_exception=True)
def import_books(request):
    """Upload a CSV file: all of it is imported, or nothing and the list of its bad rows."""
    result = refusal = None
    if request.method == "POST":
        form = ImportBooksForm(request.POST, request.FILES)
        if form.is_valid():
            # One byte past the limit is enough to know the file is too large.
            data = form.cleaned_data["file"].read(catalog_io.MAX_FILE_BYTES + 1)
            try:
                result = catalog_io.import_file(data)
            except catalog_io.ImportRefused as error:
                refusal = error
            else:
                form = ImportBooksForm()
    else:
        form = ImportBooksForm()
    context = {
        "form": form,
        "result": result,
        "refusal": refusal,
        "columns": catalog_io.COLUMNS,
        "required_columns": catalog_io.REQUIRED_COLUMNS,
        "max_rows": f"{catalog_io.MAX_ROWS:,}",
        "max_copies": catalog_io.MAX_COPIES,
    }
    return render(request, "catalog/import_books.html", context)


@require_safe
@login_required
@permission_required("catalog.can_mark_returned", raise_exception=True)
def export_books(request):
    """The whole catalog as CSV in the import's columns, streamed a chunk of books at a time."""
    response = StreamingHttpResponse(
        catalog_io.csv_text(catalog_io.export_rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="books.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
