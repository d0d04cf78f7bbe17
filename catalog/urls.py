from django.urls import path

from . import views

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
    path("search/", views.SearchResultsView.as_view(), name="search"),
    path("preferences/", views.preferences, name="preferences"),
    path("notice/<int:pk>/dismiss/", views.dismiss_notice, name="dismiss-notice"),
]
