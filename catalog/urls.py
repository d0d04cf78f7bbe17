"""The catalog's URLs (tutorial parts 5 to 9), with the names the templates reverse."""

from django.urls import path

from . import autocomplete, circulation, holds, io_views, reports, views


def edit_paths(create, update, delete, pk="int"):
    """A model's create, update and delete pages (tutorial part 9), as the tutorial names them.

    `author/create/`, `author/<pk>/update/` and `author/<pk>/delete/`, named `author-create`,
    `author-update` and `author-delete`; the same for each model.
    """
    name = create.model._meta.model_name
    return [
        path(f"{name}/create/", create.as_view(), name=f"{name}-create"),
        path(f"{name}/<{pk}:pk>/update/", update.as_view(), name=f"{name}-update"),
        path(f"{name}/<{pk}:pk>/delete/", delete.as_view(), name=f"{name}-delete"),
    ]


urlpatterns = [
    path("", views.index, name="index"),
    path("books/", views.BookListView.as_view(), name="books"),
    path("book/<int:pk>", views.BookDetailView.as_view(), name="book-detail"),
    path("authors/", views.AuthorListView.as_view(), name="authors"),
    path("author/<int:pk>", views.AuthorDetailView.as_view(), name="author-detail"),
    path("genres/", views.GenreListView.as_view(), name="genres"),
    path("genre/<int:pk>", views.GenreDetailView.as_view(), name="genre-detail"),
    path("languages/", views.LanguageListView.as_view(), name="languages"),
    path("language/<int:pk>", views.LanguageDetailView.as_view(), name="language-detail"),
    path("bookinstances/", views.BookInstanceListView.as_view(), name="bookinstances"),
    path(
        "bookinstance/<uuid:pk>",
        views.BookInstanceDetailView.as_view(),
        name="bookinstance-detail",
    ),
    path("mybooks/", views.LoanedBooksByUserListView.as_view(), name="my-borrowed"),
    path("borrowed/", views.LoanedBooksAllListView.as_view(), name="all-borrowed"),
    path(
        "book/<uuid:pk>/renew/",
        views.renew_book_librarian,
        name="renew-book-librarian",
    ),
    *edit_paths(views.AuthorCreate, views.AuthorUpdate, views.AuthorDelete),
    *edit_paths(views.BookCreate, views.BookUpdate, views.BookDelete),
    *edit_paths(views.GenreCreate, views.GenreUpdate, views.GenreDelete),
    *edit_paths(views.LanguageCreate, views.LanguageUpdate, views.LanguageDelete),
    *edit_paths(
        views.BookInstanceCreate, views.BookInstanceUpdate, views.BookInstanceDelete, pk="uuid"
    ),
    path("search/", views.SearchResultsView.as_view(), name="search"),
    path("preferences/", views.preferences, name="preferences"),
    path("notice/<int:pk>/dismiss/", views.dismiss_notice, name="dismiss-notice"),
]

# The edit forms' search-as-you-type suggestions (issue 17).
urlpatterns += [
    path("autocomplete/<slug:source>/", autocomplete.autocomplete, name="autocomplete"),
]

# Catalog in and out, for librarians (issue 16).
urlpatterns += [
    path("import/", io_views.import_books, name="import-books"),
    path("export/books.csv", io_views.export_books, name="export-books"),
    path("reports/", reports.reports, name="reports"),
]

# Circulation and holds (issues 14 and 15): the desk's pages and the patrons' own.
urlpatterns += [
    path("desk/", circulation.circulation_desk, name="circulation-desk"),
    path(
        "bookinstance/<uuid:pk>/lend/",
        circulation.lend_book_librarian,
        name="lend-book-librarian",
    ),
    path(
        "bookinstance/<uuid:pk>/return/",
        circulation.return_book_librarian,
        name="return-book-librarian",
    ),
    path(
        "bookinstance/<uuid:pk>/renew-mine/",
        circulation.renew_book_patron,
        name="renew-book-patron",
    ),
    path(
        "bookinstance/<uuid:pk>/label/",
        circulation.bookinstance_label,
        name="bookinstance-label",
    ),
    path("patron/<int:pk>/", circulation.patron_detail, name="patron-detail"),
    path(
        "mybooks/history/",
        circulation.LoanHistoryUserListView.as_view(),
        name="my-history",
    ),
    path("book/<int:pk>/hold/", holds.place_hold, name="place-hold"),
    path("myholds/", holds.HoldsByUserListView.as_view(), name="my-holds"),
    path("hold/<int:pk>/cancel/", holds.cancel_hold, name="cancel-hold"),
    path("holds/", holds.HoldsAllListView.as_view(), name="all-holds"),
]
