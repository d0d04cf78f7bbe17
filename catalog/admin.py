"""The catalog's admin (tutorial part 4), with no per-row queries on its lists."""

from django.contrib import admin
from django.utils import timezone

from .forms import BookAdminForm
from .models import Author, Book, BookInstance, Genre, Hold, Language, Loan, SiteNotice


class BooksInline(admin.TabularInline):
    model = Book
    fields = ("title", "isbn", "language")
    extra = 0
    show_change_link = True


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "date_of_death")
    fields = ["first_name", "last_name", ("date_of_birth", "date_of_death")]
    search_fields = ("last_name", "first_name")
    inlines = [BooksInline]


class BooksInstanceInline(admin.TabularInline):
    model = BookInstance
    fields = ("id", "imprint", "status", "due_back", "borrower")
    readonly_fields = ("id",)
    raw_id_fields = ("borrower",)
    extra = 0


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    form = BookAdminForm  # the ISBN's check digit, as in the site's book form
    list_display = ("title", "author", "display_genre", "language")
    list_filter = ("genre", "language")
    list_select_related = ("author", "language")
    search_fields = ("title", "isbn", "author__last_name", "author__first_name")
    autocomplete_fields = ("author",)
    filter_horizontal = ("genre",)
    inlines = [BooksInstanceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("genre")


class LoansInline(admin.TabularInline):
    """A copy's loans, newest first: history, so read here and changed on the loan's page."""

    model = Loan
    fields = ("borrower", "lent_on", "due_back", "returned_on", "renewals")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("borrower")


@admin.register(BookInstance)
class BookInstanceAdmin(admin.ModelAdmin):
    list_display = ("book", "status", "borrower", "due_back", "id")
    list_filter = ("status", "due_back")
    list_select_related = ("book", "borrower")
    search_fields = ("book__title", "book__isbn", "imprint")
    # Search for the book; the borrower by id (the user admin is not every librarian's).
    autocomplete_fields = ("book",)
    raw_id_fields = ("borrower",)
    fieldsets = (
        (None, {"fields": ("book", "imprint", "id")}),
        ("Availability", {"fields": ("status", "due_back", "borrower")}),
    )
    readonly_fields = ("id",)
    inlines = [LoansInline]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(SiteNotice)
class SiteNoticeAdmin(admin.ModelAdmin):
    list_display = ("text", "active", "starts_on", "ends_on")
    list_filter = ("active",)


class StateFilter(admin.SimpleListFilter):
    """A "state" filter: each choice's label and how it narrows the queryset."""

    title = "state"
    parameter_name = "state"
    states = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in self.states.items()]

    def queryset(self, request, queryset):
        state = self.states.get(self.value())
        return state[1](queryset) if state else queryset


class LoanStateFilter(StateFilter):
    states = {
        "open": ("Open", lambda loans: loans.open()),
        "returned": ("Returned", lambda loans: loans.returned()),
        "overdue": ("Overdue", lambda loans: loans.overdue(timezone.localdate())),
    }


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("title", "borrower", "lent_on", "due_back", "returned_on", "renewals")
    list_filter = (LoanStateFilter, "lent_on")
    list_select_related = ("copy__book", "borrower")
    search_fields = (
        "copy__book__title",
        "borrower__username",
        "borrower__first_name",
        "borrower__last_name",
    )
    autocomplete_fields = ("copy",)
    raw_id_fields = ("borrower",)
    date_hierarchy = "lent_on"

    @admin.display(description="Title", ordering="copy__book__title")
    def title(self, loan):
        return loan.copy.book.title


class HoldStateFilter(StateFilter):
    states = {
        "ready": ("Ready", lambda holds: holds.ready()),
        "waiting": ("Waiting", lambda holds: holds.waiting()),
        "ended": ("Ended", lambda holds: holds.filter(ended_on__isnull=False)),
    }


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ("book", "patron", "placed_at", "copy_id", "ready_on", "ended_on", "end_reason")
    list_filter = (HoldStateFilter, "end_reason")
    list_select_related = ("book", "patron")
    search_fields = ("book__title", "patron__username", "patron__first_name", "patron__last_name")
    autocomplete_fields = ("book", "copy")
    raw_id_fields = ("patron",)
