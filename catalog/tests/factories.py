"""factory_boy factories for the catalog's models and the site's users."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import Author, Book, BookInstance, Genre, Language, SiteNotice


def today():
    """The library's today, in the site's time zone: what the services and pages call today."""
    return timezone.localdate()


def in_days(days):
    """The date `days` from today (in the past when negative)."""
    return today() + datetime.timedelta(days=days)


# Every user the factories make has this password (tests log in with it as a browser would).
PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MemberFactory(UserFactory):
    """A patron in the `Library Members` group."""

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Library Members"))


class LibrarianFactory(UserFactory):
    """A staff user in the `Librarians` group (every catalog permission)."""

    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name="Librarians"))


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre

    name = factory.Sequence(lambda n: f"Genre {n}")


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language

    name = factory.Sequence(lambda n: f"Language {n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    date_of_birth = datetime.date(1920, 1, 1)


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Book title {n:05d}")
    author = factory.SubFactory(AuthorFactory)
    summary = "A summary of the book."
    isbn = factory.Sequence(lambda n: f"978{n:010d}")
    language = factory.SubFactory(LanguageFactory)

    @factory.post_generation
    def genre(self, create, extracted, **kwargs):
        if create and extracted:
            self.genre.add(*extracted)


class BookInstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookInstance

    book = factory.SubFactory(BookFactory)
    imprint = "Test Press, 2020"
    status = BookInstance.LoanStatus.AVAILABLE


class LoanedCopyFactory(BookInstanceFactory):
    """A copy on loan, due in a week unless said otherwise."""

    status = BookInstance.LoanStatus.ON_LOAN
    borrower = factory.SubFactory(MemberFactory)
    due_back = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


class SiteNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteNotice

    text = factory.Sequence(lambda n: f"Notice number {n}")
