import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.utils import timezone

from catalog.models import Author, Book, BookInstance, Genre, Language, catalog_counts

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_author_reads_last_name_first_and_links_to_its_page():
    author = AuthorFactory(first_name="Ursula", last_name="Le Guin")
    assert str(author) == "Le Guin, Ursula"
    assert author.get_absolute_url() == f"/catalog/author/{author.pk}"


def test_author_date_of_death_is_labelled_died():
    assert Author._meta.get_field("date_of_death").verbose_name == "died"


def test_author_who_died_before_birth_is_a_validation_error():
    author = Author(
        first_name="A",
        last_name="B",
        date_of_birth=datetime.date(1950, 1, 1),
        date_of_death=datetime.date(1940, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        author.full_clean()
    assert "date_of_death" in error.value.message_dict


def test_database_refuses_a_death_before_birth_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Author.objects.create(
            first_name="A",
            last_name="B",
            date_of_birth=datetime.date(1950, 1, 1),
            date_of_death=datetime.date(1940, 1, 1),
        )


def test_authors_are_ordered_by_last_then_first_name():
    AuthorFactory(first_name="Zadie", last_name="Smith")
    AuthorFactory(first_name="Ali", last_name="Smith")
    AuthorFactory(first_name="Chinua", last_name="Achebe")
    assert [str(a) for a in Author.objects.all()] == [
        "Achebe, Chinua",
        "Smith, Ali",
        "Smith, Zadie",
    ]


@pytest.mark.parametrize("model", [Genre, Language])
def test_genre_and_language_names_are_unique_ignoring_case(model):
    model.objects.create(name="Science Fiction")
    duplicate = model(name="science fiction")
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.parametrize(
    "factory, url_name", [(GenreFactory, "genre"), (LanguageFactory, "language")]
)
def test_genre_and_language_show_their_name_and_link_to_their_page(factory, url_name):
    item = factory(name="Poetry")
    assert str(item) == "Poetry"
    assert item.get_absolute_url() == f"/catalog/{url_name}/{item.pk}"


def test_book_isbn_is_unique_and_labelled_isbn():
    BookFactory(isbn="9780547773742")
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(isbn="9780547773742")
    assert Book._meta.get_field("isbn").verbose_name == "ISBN"


def test_book_shows_its_title_and_first_three_genres():
    genres = [GenreFactory(name=name) for name in ("Adventure", "Fantasy", "Poetry", "Satire")]
    book = BookFactory(title="Earthsea", genre=genres)
    assert str(book) == "Earthsea"
    assert book.display_genre() == "Adventure, Fantasy, Poetry"
    assert book.get_absolute_url() == f"/catalog/book/{book.pk}"


def test_an_author_with_books_cannot_be_deleted():
    book = BookFactory()
    with pytest.raises(RestrictedError):
        book.author.delete()
    assert Book.objects.filter(pk=book.pk).exists()


def test_deleting_a_language_keeps_its_books():
    book = BookFactory()
    book.language.delete()
    book.refresh_from_db()
    assert book.language is None


def test_copy_has_a_uuid_status_codes_and_a_readable_name():
    copy = BookInstanceFactory(book__title="Dune")
    assert str(copy) == f"{copy.id} (Dune)"
    assert copy.get_absolute_url() == f"/catalog/bookinstance/{copy.id}"
    assert BookInstance.LoanStatus.MAINTENANCE == "m"
    assert BookInstance.LoanStatus.ON_LOAN == "o"
    assert BookInstance.LoanStatus.AVAILABLE == "a"
    assert BookInstance.LoanStatus.RESERVED == "r"
    assert BookInstance._meta.get_field("status").default == "m"


def test_copy_is_overdue_only_after_its_due_date():
    today = timezone.localdate()
    assert BookInstanceFactory(due_back=today - datetime.timedelta(days=1)).is_overdue
    assert not BookInstanceFactory(due_back=today).is_overdue
    assert not BookInstanceFactory(due_back=None).is_overdue


def test_a_book_with_copies_cannot_be_deleted():
    copy = BookInstanceFactory()
    with pytest.raises(RestrictedError):
        copy.book.delete()


def test_deleting_a_borrower_keeps_the_copy():
    user = UserFactory()
    copy = BookInstanceFactory(borrower=user, status=BookInstance.LoanStatus.ON_LOAN)
    user.delete()
    copy.refresh_from_db()
    assert copy.borrower is None


def test_return_permission_is_named_for_librarians():
    assert ("can_mark_returned", "Set book as returned") in BookInstance._meta.permissions


def test_catalog_counts_counts_every_kind_of_record_in_one_query(django_assert_num_queries):
    book = BookFactory(genre=[GenreFactory()])
    BookInstanceFactory(book=book, status=BookInstance.LoanStatus.AVAILABLE)
    BookInstanceFactory(book=book, status=BookInstance.LoanStatus.ON_LOAN)
    with django_assert_num_queries(1):
        counts = catalog_counts()
    assert counts == {
        "num_books": 1,
        "num_instances": 2,
        "num_instances_available": 1,
        "num_authors": 1,
        "num_genres": 1,
    }


def test_search_matches_every_word_in_title_author_isbn_or_genre():
    fantasy = GenreFactory(name="Fantasy")
    wizard = BookFactory(
        title="A Wizard of Earthsea",
        author__first_name="Ursula",
        author__last_name="Le Guin",
        isbn="9780547773742",
        genre=[fantasy],
    )
    BookFactory(title="Wizard and Glass", genre=[fantasy])
    assert list(Book.objects.search("wizard GUIN")) == [wizard]
    assert list(Book.objects.search("fantasy earthsea")) == [wizard]
    assert list(Book.objects.search("0547773742")) == [wizard]
    assert Book.objects.search("wizard").count() == 2
    assert Book.objects.search("   ").count() == 0
