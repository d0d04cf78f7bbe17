"""The catalog's admin (tutorial part 4), with no per-row queries on its lists."""

from django.contrib import admin

from .models import Author, Book, BookInstance, Genre, Language, SiteNotice


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
    list_display = ("title", "author", "display_genre", "language")
    list_filter = ("genre", "language")
    list_select_related = ("author", "language")
    search_fields = ("title", "isbn", "author__last_name", "author__first_name")
    autocomplete_fields = ("author",)
    filter_horizontal = ("genre",)
    inlines = [BooksInstanceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("genre")


@admin.register(BookInstance)
class BookInstanceAdmin(admin.ModelAdmin):
    list_display = ("book", "status", "borrower", "due_back", "id")
    list_filter = ("status", "due_back")
    list_select_related = ("book", "borrower")
    search_fields = ("book__title", "book__isbn", "imprint")
    raw_id_fields = ("book", "borrower")
    fieldsets = (
        (None, {"fields": ("book", "imprint", "id")}),
        ("Availability", {"fields": ("status", "due_back", "borrower")}),
    )
    readonly_fields = ("id",)


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
