"""The contract's "Models" section, checked as an outsider reads it."""

import datetime
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from catalog.models import Author, Book, BookInstance, Genre, Language

pytestmark = pytest.mark.django_db


def field(model, name):
    return model._meta.get_field(name)


@pytest.mark.parametrize(
    "model, url_name", [(Genre, "genre-detail"), (Language, "language-detail")]
)
def test_a_librarian_cannot_store_a_name_twice_in_another_case(model, url_name):
    first = model.objects.create(name="Fantasy")
    assert str(first) == "Fantasy"
    assert first.get_absolute_url() == f"/catalog/{url_name.split('-')[0]}/{first.pk}"
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(name="fantasy")
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(name="Fantasy")
    assert field(model, "name").unique


@pytest.mark.parametrize("model", [Genre, Language])
def test_genres_and_languages_list_by_name(model):
    for name in ["Zulu", "alpha", "Mid"]:
        model.objects.create(name=name)
    assert model._meta.ordering == ["name"]
    assert [obj.name for obj in model.objects.all()] == sorted(["Zulu", "alpha", "Mid"])


def test_an_author_reads_last_name_first_and_links_to_their_page():
    author = Author.objects.create(first_name="Ursula", last_name="Le Guin")
    assert str(author) == "Le Guin, Ursula"
    assert author.get_absolute_url() == f"/catalog/author/{author.pk}"
    assert author.date_of_birth is None and author.date_of_death is None
    assert Author._meta.ordering == ["last_name", "first_name"]
    assert field(Author, "first_name").max_length == 100
    assert field(Author, "last_name").max_length == 100
    assert field(Author, "date_of_death").verbose_name == "died"


def test_a_death_before_the_birth_is_refused():
    author = Author(
        first_name="A",
        last_name="B",
        date_of_birth=datetime.date(2000, 1, 2),
        date_of_death=datetime.date(1999, 1, 1),
    )
    with pytest.raises(ValidationError):
        author.full_clean()


def test_a_book_has_the_tutorials_fields():
    assert field(Book, "title").max_length == 200
    assert field(Book, "author").null
    assert field(Book, "summary").max_length == 1000
    isbn = field(Book, "isbn")
    assert (isbn.verbose_name, isbn.max_length, isbn.unique) == ("ISBN", 13, True)
    assert field(Book, "genre").many_to_many
    assert field(Book, "language").blank
    assert Book._meta.ordering == ["title", "author"]


def test_a_book_reads_as_its_title_and_shows_its_genres():
    author = Author.objects.create(first_name="F", last_name="L")
    book = Book.objects.create(title="Dune", author=author, summary="s", isbn="9780441013593")
    book.genre.add(Genre.objects.create(name="SF"), Genre.objects.create(name="Classic"))
    assert str(book) == "Dune"
    assert book.get_absolute_url() == f"/catalog/book/{book.pk}"
    assert "SF" in book.display_genre() and "Classic" in book.display_genre()


def test_an_author_with_books_cannot_be_deleted():
    author = Author.objects.create(first_name="F", last_name="L")
    Book.objects.create(title="T", author=author, summary="s", isbn="1")
    with pytest.raises(RestrictedError):
        author.delete()
    assert Author.objects.filter(pk=author.pk).exists()


def test_deleting_a_language_keeps_its_books():
    language = Language.objects.create(name="Klingon")
    book = Book.objects.create(title="T", summary="s", isbn="1", language=language)
    language.delete()
    book.refresh_from_db()
    assert book.language is None


def test_a_copy_has_a_uuid_and_starts_in_maintenance():
    book = Book.objects.create(title="Emma", summary="s", isbn="2")
    copy = BookInstance.objects.create(book=book, imprint="Penguin")
    assert isinstance(copy.pk, uuid.UUID)
    assert copy.status == "m" == BookInstance.LoanStatus.MAINTENANCE
    assert str(copy) == f"{copy.id} (Emma)"
    assert copy.get_absolute_url() == f"/catalog/bookinstance/{copy.id}"
    assert field(BookInstance, "imprint").max_length == 200
    assert field(BookInstance, "due_back").null
    assert field(BookInstance, "status").max_length == 1
    assert BookInstance._meta.ordering == ["due_back"]
    with pytest.raises(RestrictedError):
        book.delete()


def test_the_loan_statuses_have_the_tutorials_codes_and_labels():
    status = BookInstance.LoanStatus
    assert [(s.name, s.value, s.label) for s in status] == [
        ("MAINTENANCE", "m", "Maintenance"),
        ("ON_LOAN", "o", "On loan"),
        ("AVAILABLE", "a", "Available"),
        ("RESERVED", "r", "Reserved"),
    ]
    assert field(BookInstance, "status").choices == status.choices


def test_a_copy_is_overdue_only_after_its_due_date():
    from django.utils import timezone

    today = timezone.localdate()
    book = Book.objects.create(title="Emma", summary="s", isbn="2")
    copy = BookInstance(book=book, imprint="P", due_back=today)
    assert not copy.is_overdue
    copy.due_back = today - datetime.timedelta(days=1)
    assert copy.is_overdue
    copy.due_back = None
    assert not copy.is_overdue


def test_deleting_a_borrower_keeps_the_copy():
    user = get_user_model().objects.create_user("reader")
    book = Book.objects.create(title="Emma", summary="s", isbn="2")
    copy = BookInstance.objects.create(book=book, imprint="P", borrower=user, status="o")
    user.delete()
    copy.refresh_from_db()
    assert copy.borrower is None


def test_the_return_permission_has_the_tutorials_name():
    permission = Permission.objects.get(codename="can_mark_returned")
    assert permission.name == "Set book as returned"
    assert permission.content_type.model_class() is BookInstance
