"""Librarians' create, update and delete pages (tutorial part 9, generic editing views)."""

import datetime
import re

import pytest
from django.urls import reverse

from catalog.forms import BookForm, GenreForm, LanguageForm
from catalog.models import Author, Book, BookInstance, Genre, Language

from .factories import (
    AuthorFactory,
    BookFactory,
    BookInstanceFactory,
    GenreFactory,
    LanguageFactory,
)

pytestmark = pytest.mark.django_db


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


# Authors


def test_new_author_form_has_no_death_date_filled_in(librarian_client):
    response = librarian_client.get(reverse("author-create"))
    assert not response.context["form"].initial.get("date_of_death")
    content = response.content.decode()
    assert re.search(r'<input type="date" name="date_of_death"[^>]*>', content)
    assert not re.search(r'name="date_of_death"[^>]*value=', content)


def test_creating_an_author_goes_to_their_page(librarian_client):
    response = librarian_client.post(
        reverse("author-create"),
        {"first_name": "Ursula", "last_name": "Le Guin", "date_of_birth": "1929-10-21"},
    )
    author = Author.objects.get(last_name="Le Guin")
    assert response.status_code == 302
    assert response.url == author.get_absolute_url()
    assert author.date_of_birth == datetime.date(1929, 10, 21)
    assert author.date_of_death is None


def test_a_death_before_birth_is_shown_next_to_the_death_date(librarian_client):
    response = librarian_client.post(
        reverse("author-create"),
        {
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "1950-01-01",
            "date_of_death": "1949-12-31",
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "date_of_death") == ["Date of death is before date of birth."]
    assert not Author.objects.exists()


@pytest.mark.parametrize("typed", ["yesterday", "1950-02-30", "0000-01-01", "1" * 400])
def test_a_malformed_author_date_is_a_form_error(librarian_client, typed):
    response = librarian_client.post(
        reverse("author-create"), {"first_name": "A", "last_name": "B", "date_of_birth": typed}
    )
    assert response.status_code == 200
    assert field_errors(response, "date_of_birth")


def test_missing_author_names_are_shown_next_to_their_fields(librarian_client):
    response = librarian_client.post(reverse("author-create"), {})
    assert field_errors(response, "first_name") == ["This field is required."]
    assert field_errors(response, "last_name") == ["This field is required."]


def test_updating_an_author_goes_to_their_page(librarian_client):
    author = AuthorFactory()
    response = librarian_client.post(
        reverse("author-update", args=[author.pk]),
        {"first_name": "New", "last_name": "Name", "date_of_death": "2000-01-01"},
    )
    author.refresh_from_db()
    assert response.url == author.get_absolute_url()
    assert str(author) == "Name, New"
    assert author.date_of_death == datetime.date(2000, 1, 1)


def test_update_form_shows_the_current_values(librarian_client):
    author = AuthorFactory(first_name="Jane", date_of_birth=datetime.date(1775, 12, 16))
    content = librarian_client.get(reverse("author-update", args=[author.pk])).content.decode()
    assert 'value="Jane"' in content
    assert 'value="1775-12-16"' in content


def test_deleting_an_author_without_books_goes_to_the_author_list(librarian_client):
    author = AuthorFactory()
    response = librarian_client.post(reverse("author-delete", args=[author.pk]))
    assert response.url == reverse("authors")
    assert not Author.objects.filter(pk=author.pk).exists()


def test_deleting_an_author_with_books_is_refused_and_lists_them(librarian_client):
    book = BookFactory(title="The Dispossessed")
    response = librarian_client.post(reverse("author-delete", args=[book.author.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "cannot be deleted" in content
    assert "<li>The Dispossessed</li>" in content
    assert "Nothing was deleted." in content
    assert Author.objects.filter(pk=book.author.pk).exists()


def test_the_delete_page_warns_before_anything_is_sent(librarian_client):
    book = BookFactory(title="The Lathe of Heaven")
    content = librarian_client.get(reverse("author-delete", args=[book.author.pk])).content.decode()
    assert "<li>The Lathe of Heaven</li>" in content
    assert "Yes, delete" not in content


def test_a_long_list_of_dependents_is_cut_short(librarian_client):
    author = AuthorFactory()
    BookFactory.create_batch(55, author=author)
    response = librarian_client.post(reverse("author-delete", args=[author.pk]))
    assert len(response.context["dependents"]) == 50
    assert "and 5 more" in response.content.decode()


# Books


def book_data(**changes):
    data = {
        "title": "A Wizard of Earthsea",
        "author": AuthorFactory().pk,
        "summary": "A boy becomes a wizard.",
        "isbn": "9780553383041",
        "genre": [GenreFactory().pk],
    }
    return {**data, **changes}


def test_creating_a_book_without_a_language_goes_to_its_page(librarian_client):
    response = librarian_client.post(reverse("book-create"), book_data())
    book = Book.objects.get(isbn="9780553383041")
    assert response.url == book.get_absolute_url()
    assert book.language is None
    assert book.genre.count() == 1


def test_a_duplicate_isbn_is_shown_next_to_the_isbn(librarian_client):
    BookFactory(isbn="9780553383041")
    response = librarian_client.post(reverse("book-create"), book_data())
    assert response.status_code == 200
    assert field_errors(response, "isbn") == ["Book with this ISBN already exists."]
    assert Book.objects.count() == 1


def test_a_too_long_isbn_and_missing_fields_are_form_errors(librarian_client):
    response = librarian_client.post(
        reverse("book-create"), book_data(isbn="1" * 14, title="", genre=[])
    )
    assert field_errors(response, "isbn")
    assert field_errors(response, "title")
    assert field_errors(response, "genre")
    assert not Book.objects.exists()


def test_updating_a_book_keeps_its_own_isbn(librarian_client):
    book = BookFactory(isbn="9780553383041")
    data = book_data(title="Renamed", author=book.author.pk, language=book.language.pk)
    response = librarian_client.post(reverse("book-update", args=[book.pk]), data)
    assert response.url == book.get_absolute_url()
    book.refresh_from_db()
    assert book.title == "Renamed"


def test_deleting_a_book_with_copies_is_refused_and_lists_them(librarian_client):
    copy = BookInstanceFactory(book__title="Tehanu")
    response = librarian_client.post(reverse("book-delete", args=[copy.book.pk]))
    assert response.status_code == 200
    assert f"<li>{copy.id} (Tehanu)</li>" in response.content.decode()
    assert Book.objects.filter(pk=copy.book.pk).exists()
    assert BookInstance.objects.filter(pk=copy.pk).exists()


def test_deleting_a_book_without_copies_goes_to_the_book_list(librarian_client):
    book = BookFactory()
    response = librarian_client.post(reverse("book-delete", args=[book.pk]))
    assert response.url == reverse("books")
    assert not Book.objects.filter(pk=book.pk).exists()


# Genres and languages


@pytest.mark.parametrize(("model", "factory"), [(Genre, GenreFactory), (Language, LanguageFactory)])
def test_creating_a_name_goes_to_its_page(librarian_client, model, factory):
    name = model._meta.model_name
    response = librarian_client.post(reverse(f"{name}-create"), {"name": "Fantasy"})
    created = model.objects.get(name="Fantasy")
    assert response.url == created.get_absolute_url()


@pytest.mark.parametrize(("model", "factory"), [(Genre, GenreFactory), (Language, LanguageFactory)])
@pytest.mark.parametrize("typed", ["fantasy", "FANTASY", "Fantasy", "  Fantasy  "])
def test_a_name_differing_only_in_case_is_shown_next_to_the_name(
    librarian_client, model, factory, typed
):
    factory(name="Fantasy")
    name = model._meta.model_name
    response = librarian_client.post(reverse(f"{name}-create"), {"name": typed})
    assert response.status_code == 200
    label = model._meta.verbose_name.capitalize()
    assert field_errors(response, "name") == [f"{label} already exists (case insensitive match)"]
    assert model.objects.count() == 1


@pytest.mark.parametrize(("model", "form_class"), [(Genre, GenreForm), (Language, LanguageForm)])
def test_a_name_saved_by_another_librarian_meanwhile_is_a_form_error(
    librarian_client, monkeypatch, model, form_class
):
    validate = form_class._post_clean

    def validate_then_another_librarian_saves(form):
        validate(form)
        model.objects.create(name=form.cleaned_data["name"].upper())

    monkeypatch.setattr(form_class, "_post_clean", validate_then_another_librarian_saves)
    response = librarian_client.post(
        reverse(f"{model._meta.model_name}-create"), {"name": "Fantasy"}
    )
    assert response.status_code == 200
    assert "it already exists" in field_errors(response, "name")[0]
    assert list(model.objects.values_list("name", flat=True)) == ["FANTASY"]


def test_an_isbn_saved_by_another_librarian_meanwhile_is_a_form_error(
    librarian_client, monkeypatch
):
    other = BookFactory(genre=[GenreFactory()])
    validate = BookForm._post_clean

    def validate_then_another_librarian_saves(form):
        validate(form)
        Book.objects.filter(pk=other.pk).update(isbn=form.cleaned_data["isbn"])

    monkeypatch.setattr(BookForm, "_post_clean", validate_then_another_librarian_saves)
    data = {
        "title": "Dune",
        "author": other.author.pk,
        "summary": "Sand.",
        "isbn": "9780441013593",
        "genre": [other.genre.first().pk],
    }
    response = librarian_client.post(reverse("book-create"), data)
    assert response.status_code == 200
    assert "it already exists" in field_errors(response, "isbn")[0]
    assert not Book.objects.filter(title="Dune").exists()


@pytest.mark.parametrize(("model", "factory"), [(Genre, GenreFactory), (Language, LanguageFactory)])
def test_renaming_only_the_case_of_its_own_name_is_allowed(librarian_client, model, factory):
    item = factory(name="fantasy")
    name = model._meta.model_name
    response = librarian_client.post(reverse(f"{name}-update", args=[item.pk]), {"name": "Fantasy"})
    assert response.url == item.get_absolute_url()
    item.refresh_from_db()
    assert item.name == "Fantasy"


@pytest.mark.parametrize(("model", "factory"), [(Genre, GenreFactory), (Language, LanguageFactory)])
def test_renaming_to_another_ones_name_is_refused(librarian_client, model, factory):
    factory(name="Fantasy")
    item = factory(name="Horror")
    name = model._meta.model_name
    response = librarian_client.post(reverse(f"{name}-update", args=[item.pk]), {"name": "FANTASY"})
    assert response.status_code == 200
    assert field_errors(response, "name")
    item.refresh_from_db()
    assert item.name == "Horror"


def test_deleting_a_genre_leaves_its_books(librarian_client):
    genre = GenreFactory()
    book = BookFactory(genre=[genre])
    response = librarian_client.post(reverse("genre-delete", args=[genre.pk]))
    assert response.url == reverse("genres")
    assert not Genre.objects.filter(pk=genre.pk).exists()
    assert list(Book.objects.get(pk=book.pk).genre.all()) == []


def test_deleting_a_language_leaves_its_books_without_one(librarian_client):
    book = BookFactory()
    response = librarian_client.post(reverse("language-delete", args=[book.language.pk]))
    assert response.url == reverse("languages")
    book.refresh_from_db()
    assert book.language is None


# Copies


def test_creating_a_copy_goes_to_its_page(librarian_client):
    book = BookFactory()
    response = librarian_client.post(
        reverse("bookinstance-create"),
        {"book": book.pk, "imprint": "Ace, 1968", "status": BookInstance.LoanStatus.AVAILABLE},
    )
    copy = BookInstance.objects.get(book=book)
    assert response.url == copy.get_absolute_url()
    assert copy.status == BookInstance.LoanStatus.AVAILABLE


def test_the_copy_form_uses_a_date_picker(librarian_client):
    content = librarian_client.get(reverse("bookinstance-create")).content.decode()
    assert re.search(r'<input type="date" name="due_back"', content)


def test_updating_a_copy_goes_to_its_page(librarian_client):
    copy = BookInstanceFactory()
    response = librarian_client.post(
        reverse("bookinstance-update", args=[copy.pk]),
        {
            "book": copy.book.pk,
            "imprint": "Reprint",
            "status": BookInstance.LoanStatus.MAINTENANCE,
            "due_back": "",
        },
    )
    assert response.url == copy.get_absolute_url()
    copy.refresh_from_db()
    assert copy.status == BookInstance.LoanStatus.MAINTENANCE


def test_a_copy_with_an_unknown_status_or_book_is_refused(librarian_client):
    response = librarian_client.post(
        reverse("bookinstance-create"), {"book": 999999, "imprint": "x", "status": "z"}
    )
    assert response.status_code == 200
    assert field_errors(response, "book")
    assert field_errors(response, "status")
    assert not BookInstance.objects.exists()


def test_deleting_a_copy_goes_to_the_copy_list(librarian_client):
    copy = BookInstanceFactory()
    response = librarian_client.post(reverse("bookinstance-delete", args=[copy.pk]))
    assert response.url == reverse("bookinstances")
    assert not BookInstance.objects.filter(pk=copy.pk).exists()


# Every model's pages: the tutorial's template names over one shared page


@pytest.mark.parametrize(
    ("model", "noun"),
    [
        ("author", "author"),
        ("book", "book"),
        ("genre", "genre"),
        ("language", "language"),
        ("bookinstance", "copy"),
    ],
)
def test_each_create_page_names_what_it_creates_under_the_tutorials_template(
    librarian_client, model, noun
):
    response = librarian_client.get(reverse(f"{model}-create"))
    content = response.content.decode()
    assert f"<title>New {noun}" in content
    assert re.findall(r"<h1>(.*?)</h1>", content) == [f"New {noun}"]
    assert f"Create {noun}</button>" in content
    templates = [t.name for t in response.templates]
    assert f"catalog/{model}_form.html" in templates
    assert "catalog/object_form.html" in templates


def test_a_delete_page_says_what_it_deletes_and_goes_back_to_it(librarian_client):
    copy = BookInstanceFactory()
    response = librarian_client.get(reverse("bookinstance-delete", args=[copy.pk]))
    content = response.content.decode()
    assert f"<h1>Delete copy: {copy}</h1>" in content
    assert "Are you sure you want to delete this copy?" in content
    assert f'href="{copy.get_absolute_url()}">Cancel' in content
    assert "catalog/bookinstance_confirm_delete.html" in [t.name for t in response.templates]


# Escaping


def test_names_are_escaped_on_the_edit_and_delete_pages(librarian_client):
    genre = GenreFactory(name="<script>x()</script>")
    for url in (reverse("genre-update", args=[genre.pk]), reverse("genre-delete", args=[genre.pk])):
        content = librarian_client.get(url).content.decode()
        assert "<script>x()" not in content
        assert "&lt;script&gt;x()" in content


def test_dependents_are_escaped_on_a_refused_delete(librarian_client):
    book = BookFactory(title="<img src=x onerror=alert(1)>")
    content = librarian_client.post(
        reverse("author-delete", args=[book.author.pk])
    ).content.decode()
    assert "<img src=x" not in content
    assert "&lt;img src=x" in content


@pytest.mark.parametrize("field", ["author", "language", "genre"])
def test_a_record_chosen_by_an_impossible_pk_is_a_form_error(librarian_client, field):
    genre = GenreFactory()
    data = {"title": "Dune", "summary": "Sand.", "isbn": "9780441013593", "genre": [genre.pk]}
    data[field] = "9" * 40
    response = librarian_client.post(reverse("book-create"), data)
    assert response.status_code == 200
    assert field_errors(response, field)
    assert not Book.objects.exists()


@pytest.mark.parametrize("field", ["book", "borrower"])
def test_a_copy_of_an_impossible_book_or_borrower_is_a_form_error(librarian_client, field):
    data = {"book": BookFactory().pk, "imprint": "Ace", "status": "a", field: "9" * 40}
    response = librarian_client.post(reverse("bookinstance-create"), data)
    assert response.status_code == 200
    assert field_errors(response, field)
    assert not BookInstance.objects.exists()


def test_librarian_is_told_what_was_added_saved_and_deleted(librarian_client):
    data = {"first_name": "Ursula", "last_name": "Le Guin"}
    response = librarian_client.post(reverse("author-create"), data, follow=True)
    assert "The author “Le Guin, Ursula” was added." in response.content.decode()
    author = Author.objects.get(last_name="Le Guin")
    url = reverse("author-update", args=[author.pk])
    response = librarian_client.post(url, {**data, "first_name": "U. K."}, follow=True)
    assert "The author “Le Guin, U. K.” was saved." in response.content.decode()
    url = reverse("author-delete", args=[author.pk])
    response = librarian_client.post(url, follow=True)
    assert "The author “Le Guin, U. K.” was deleted." in response.content.decode()
    copy = BookInstanceFactory(book__title="Dune")
    url = reverse("bookinstance-delete", args=[copy.pk])
    response = librarian_client.post(url, follow=True)
    assert f"The copy “{copy}” was deleted." in response.content.decode()


def test_a_copy_always_keeps_a_status(librarian_client):
    """The form offers no empty status; one left out keeps the copy's own."""
    copy = BookInstanceFactory(status=BookInstance.LoanStatus.AVAILABLE)
    url = reverse("bookinstance-update", args=[copy.pk])
    content = librarian_client.get(url).content.decode()
    assert '<option value="">' not in content.split('name="status"')[1].split("</select>")[0]
    data = {"book": copy.book.pk, "imprint": "Reprint", "status": "", "due_back": ""}
    assert librarian_client.post(url, data).status_code == 302
    copy.refresh_from_db()
    assert (copy.imprint, copy.status) == ("Reprint", BookInstance.LoanStatus.AVAILABLE)


@pytest.mark.parametrize(
    ("url_name", "factory", "book_field", "noun"),
    [
        ("genre-delete", GenreFactory, "genre", "genre"),
        ("language-delete", LanguageFactory, "language", "language"),
    ],
)
def test_deleting_a_genre_or_language_says_how_many_books_lose_it(
    librarian_client, url_name, factory, book_field, noun
):
    record = factory()
    for _ in range(2):
        BookFactory(**{book_field: [record] if book_field == "genre" else record})
    content = librarian_client.get(reverse(url_name, args=[record.pk])).content.decode()
    assert f"2 books will no longer have this {noun}." in content
