"""Migrations: none pending, and the circulation data migration's effects on an older database."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_LOANS = [("catalog", "0002_groups")]
WITH_LOANS = [("catalog", "0004_circulation_data")]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "catalog", "--check", "--dry-run", verbosity=0)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def database_before_loans():
    """The database as it was before loans existed; migrated to the latest again afterwards."""
    apps = migrate(BEFORE_LOANS)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


# serialized_rollback: the groups and permissions the migrations made come back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copies_on_loan_before_loans_existed_get_their_open_loan(database_before_loans):
    apps = database_before_loans
    User = apps.get_model("auth", "User")
    Author = apps.get_model("catalog", "Author")
    Book = apps.get_model("catalog", "Book")
    BookInstance = apps.get_model("catalog", "BookInstance")
    patron = User.objects.create(username="reader")
    book = Book.objects.create(
        title="Old loans", author=Author.objects.create(first_name="A", last_name="B"), isbn="1"
    )
    due = timezone.localdate() + datetime.timedelta(days=5)
    dated = BookInstance.objects.create(book=book, status="o", borrower=patron, due_back=due)
    undated = BookInstance.objects.create(book=book, status="o", borrower=patron)
    BookInstance.objects.create(book=book, status="a")
    BookInstance.objects.create(book=book, status="m")

    apps = migrate(WITH_LOANS)
    Loan = apps.get_model("catalog", "Loan")
    today = timezone.localdate()
    loans = {loan.copy_id: loan for loan in Loan.objects.all()}
    assert set(loans) == {dated.pk, undated.pk}
    assert (loans[dated.pk].lent_on, loans[dated.pk].due_back) == (today, due)
    assert (loans[undated.pk].lent_on, loans[undated.pk].due_back) == (today, today)
    assert all(
        loan.borrower_id == patron.pk and loan.returned_on is None for loan in loans.values()
    )
    assert all(loan.renewals == 0 for loan in loans.values())
    # The copy says the same as its loan.
    assert apps.get_model("catalog", "BookInstance").objects.get(pk=undated.pk).due_back == today


@pytest.mark.django_db
def test_librarians_may_manage_loans_and_holds_after_migrate():
    librarians = Group.objects.get(name="Librarians")
    codenames = set(librarians.permissions.values_list("codename", flat=True))
    for model in ("loan", "hold"):
        for action in ("add", "change", "delete", "view"):
            assert f"{action}_{model}" in codenames
    assert "can_mark_returned" in codenames
    members = Group.objects.get(name="Library Members")
    assert not members.permissions.filter(codename__endswith="_loan").exists()
