"""Fill the catalog with a small, real library and the demo accounts.

A fresh install (`make run`) then has pages worth looking at, and anyone can log in at once
as a patron or a librarian. Running it again changes nothing: rows that exist are kept.
"""

import uuid
from datetime import date, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from catalog.models import Author, Book, BookInstance, Genre, Language

Status = BookInstance.LoanStatus

LIBRARIANS_GROUP = "Librarians"
MEMBERS_GROUP = "Library Members"

# (username, password, what they can do). Demo passwords: never use them on a real site.
DEMO_ACCOUNTS = [
    (
        "admin",
        "admin-demo-pass",
        "superuser: everything, including the admin site (/admin/)",
    ),
    (
        "librarian",
        "librarian-demo-pass",
        "librarian (staff, group Librarians): all borrowed books, renew loans,"
        " edit the catalog, admin site",
    ),
    (
        "patron",
        "patron-demo-pass",
        "library member: own loans in 'My Borrowed' (some overdue), a reservation",
    ),
    (
        "patron2",
        "patron2-demo-pass",
        "library member: a few loans of their own, a reservation",
    ),
]

# How each demo account is created (only when it does not exist yet).
ACCOUNT_PROFILES = {
    "admin": dict(first_name="Ada", last_name="Admin", superuser=True, group=None),
    "librarian": dict(first_name="Lena", last_name="Librarian", staff=True, group=LIBRARIANS_GROUP),
    "patron": dict(first_name="Pat", last_name="Reader", group=MEMBERS_GROUP),
    "patron2": dict(first_name="Sam", last_name="Bookworm", group=MEMBERS_GROUP),
}

# Copies get fixed ids, uuid5(COPY_NAMESPACE, f"{isbn}-{n}") for n = 1, 2, ...: the same
# on every install, so links to a demo copy survive a database rebuild.
COPY_NAMESPACE = uuid.UUID("f35000a6-e1c6-43e6-b479-d95e9826672b")


def copy_id(isbn, number):
    """The fixed UUID of demo copy `number` (from 1) of the book with this ISBN."""
    return uuid.uuid5(COPY_NAMESPACE, f"{isbn}-{number}")


class Copy(NamedTuple):
    """A copy's state: its borrower (or who it is reserved for) and due date offset."""

    status: str
    borrower: str | None = None
    due_in_days: int | None = None  # from the library's today; negative = overdue


AVAILABLE = Copy(Status.AVAILABLE)
MAINTENANCE = Copy(Status.MAINTENANCE)


def on_loan(username, due_in_days):
    return Copy(Status.ON_LOAN, username, due_in_days)


def reserved_for(username):
    return Copy(Status.RESERVED, username)


class DemoBook(NamedTuple):
    isbn: str
    title: str
    author: str  # a key of AUTHORS
    language: str
    genres: tuple[str, ...]
    imprint: str
    summary: str
    copies: tuple[Copy, ...]


# key: (first name, last name, born, died)
AUTHORS = {
    "asimov": ("Isaac", "Asimov", date(1920, 1, 2), date(1992, 4, 6)),
    "atwood": ("Margaret", "Atwood", date(1939, 11, 18), None),
    "austen": ("Jane", "Austen", date(1775, 12, 16), date(1817, 7, 18)),
    "borges": ("Jorge Luis", "Borges", date(1899, 8, 24), date(1986, 6, 14)),
    "camus": ("Albert", "Camus", date(1913, 11, 7), date(1960, 1, 4)),
    # Cervantes' birth date is unknown (he was baptised on 9 October 1547).
    "cervantes": ("Miguel de", "Cervantes", None, date(1616, 4, 22)),
    "christie": ("Agatha", "Christie", date(1890, 9, 15), date(1976, 1, 12)),
    "darwin": ("Charles", "Darwin", date(1809, 2, 12), date(1882, 4, 19)),
    "dickens": ("Charles", "Dickens", date(1812, 2, 7), date(1870, 6, 9)),
    "dostoevsky": ("Fyodor", "Dostoevsky", date(1821, 11, 11), date(1881, 2, 9)),
    "dumas": ("Alexandre", "Dumas", date(1802, 7, 24), date(1870, 12, 5)),
    "flaubert": ("Gustave", "Flaubert", date(1821, 12, 12), date(1880, 5, 8)),
    "garcia-marquez": (
        "Gabriel",
        "García Márquez",
        date(1927, 3, 6),
        date(2014, 4, 17),
    ),
    "harari": ("Yuval Noah", "Harari", date(1976, 2, 24), None),
    "hawking": ("Stephen", "Hawking", date(1942, 1, 8), date(2018, 3, 14)),
    "herbert": ("Frank", "Herbert", date(1920, 10, 8), date(1986, 2, 11)),
    "hugo": ("Victor", "Hugo", date(1802, 2, 26), date(1885, 5, 22)),
    "ishiguro": ("Kazuo", "Ishiguro", date(1954, 11, 8), None),
    "le-guin": ("Ursula K.", "Le Guin", date(1929, 10, 21), date(2018, 1, 22)),
    "lee": ("Harper", "Lee", date(1926, 4, 28), date(2016, 2, 19)),
    "orwell": ("George", "Orwell", date(1903, 6, 25), date(1950, 1, 21)),
    "sagan": ("Carl", "Sagan", date(1934, 11, 9), date(1996, 12, 20)),
    "saint-exupery": (
        "Antoine de",
        "Saint-Exupéry",
        date(1900, 6, 29),
        date(1944, 7, 31),
    ),
    "shelley": ("Mary", "Shelley", date(1797, 8, 30), date(1851, 2, 1)),
    "tolkien": ("J. R. R.", "Tolkien", date(1892, 1, 3), date(1973, 9, 2)),
    "tolstoy": ("Leo", "Tolstoy", date(1828, 9, 9), date(1910, 11, 20)),
    "woolf": ("Virginia", "Woolf", date(1882, 1, 25), date(1941, 3, 28)),
}

EN, FR, ES = "English", "French", "Spanish"

BOOKS = (
    DemoBook(
        "9780141439518",
        "Pride and Prejudice",
        "austen",
        EN,
        ("Romance", "Literary Fiction"),
        "Penguin Classics, 2003",
        "Elizabeth Bennet, the sharpest of five sisters with no fortune, meets the"
        " rich and haughty Mr Darcy and dislikes him on sight. Pride on one side and"
        " prejudice on the other take a whole novel, and some humbling, to undo.",
        (on_loan("patron", -1), AVAILABLE, AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780141439587",
        "Emma",
        "austen",
        EN,
        ("Romance", "Literary Fiction"),
        "Penguin Classics, 2003",
        "Handsome, clever and rich, Emma Woodhouse amuses herself by arranging the"
        " love lives of her neighbours in Highbury, and gets every match wrong,"
        " her own included.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780141439686",
        "Persuasion",
        "austen",
        EN,
        ("Romance",),
        "Penguin Classics, 2003",
        "Eight years after she was persuaded to break off her engagement to a"
        " penniless naval officer, Anne Elliot meets Captain Wentworth again, now"
        " rich and admired. Austen's last completed novel.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780141439563",
        "Great Expectations",
        "dickens",
        EN,
        ("Literary Fiction",),
        "Penguin Classics, 2003",
        "Pip, an orphan raised by his sister and the blacksmith Joe, learns that an"
        " unknown benefactor will make him a gentleman. The money comes from the last"
        " person he would have guessed.",
        (AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780141439600",
        "A Tale of Two Cities",
        "dickens",
        EN,
        ("Historical Fiction",),
        "Penguin Classics, 2003",
        "London and Paris before and during the French Revolution: a doctor freed"
        " from the Bastille, his daughter, and two men who love her, one of whom"
        " makes the ultimate sacrifice.",
        (AVAILABLE, AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780141439747",
        "Oliver Twist",
        "dickens",
        EN,
        ("Literary Fiction",),
        "Penguin Classics, 2003",
        "A workhouse orphan who dares to ask for more runs away to London, where he"
        " falls in with Fagin's gang of child pickpockets.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780141036144",
        "Nineteen Eighty-Four",
        "orwell",
        EN,
        ("Dystopian Fiction", "Science Fiction"),
        "Penguin Books, 2008",
        "Winston Smith rewrites history for the Ministry of Truth in a state where"
        " Big Brother watches every move. His secret diary, and a forbidden love"
        " affair, are acts of rebellion the Party will not forgive.",
        (on_loan("patron", -12), AVAILABLE, AVAILABLE, reserved_for("patron2")),
    ),
    DemoBook(
        "9780141036137",
        "Animal Farm",
        "orwell",
        EN,
        ("Satire",),
        "Penguin Books, 2008",
        "The animals of Manor Farm drive out their drunken farmer to run the farm"
        " for themselves, until the pigs decide that some animals are more equal"
        " than others.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780141439471",
        "Frankenstein",
        "shelley",
        EN,
        ("Horror", "Science Fiction"),
        "Penguin Classics, 2003",
        "Victor Frankenstein gives life to a creature made from dead bodies, then"
        " abandons it in horror. Rejected by everyone, the creature turns on its"
        " maker.",
        (AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780261102217",
        "The Hobbit",
        "tolkien",
        EN,
        ("Fantasy", "Children's"),
        "HarperCollins, 1999",
        "Bilbo Baggins, a hobbit who likes his comforts, is swept off by a wizard and"
        " thirteen dwarves to win back their treasure from the dragon Smaug, and"
        " picks up a curious ring on the way.",
        (on_loan("patron", 0), AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780261102354",
        "The Fellowship of the Ring",
        "tolkien",
        EN,
        ("Fantasy",),
        "HarperCollins, 1999",
        "Frodo inherits Bilbo's ring and learns it is the One Ring of the Dark Lord"
        " Sauron. With eight companions he sets out to destroy it in the fire where"
        " it was made.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780441478125",
        "The Left Hand of Darkness",
        "le-guin",
        EN,
        ("Science Fiction",),
        "Ace Books, 1987",
        "Genly Ai, an envoy to the frozen planet Gethen, must win over a people who"
        " have no fixed sex. His only ally is a politician he does not trust.",
        (reserved_for("patron"), AVAILABLE),
    ),
    DemoBook(
        "9780547773742",
        "A Wizard of Earthsea",
        "le-guin",
        EN,
        ("Fantasy", "Children's"),
        "Houghton Mifflin Harcourt, 2012",
        "A proud young wizard, Ged, unleashes a shadow on the world while showing"
        " off at the school on Roke, and must hunt it across the islands of"
        " Earthsea.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780441172719",
        "Dune",
        "herbert",
        EN,
        ("Science Fiction",),
        "Ace Books, 1990",
        "On the desert planet Arrakis, the only source of the spice that makes space"
        " travel possible, young Paul Atreides survives the betrayal of his family"
        " and finds his destiny among the Fremen.",
        (on_loan("patron", -5), AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780553293357",
        "Foundation",
        "asimov",
        EN,
        ("Science Fiction",),
        "Bantam Spectra, 1991",
        "The mathematician Hari Seldon foresees the fall of the Galactic Empire and"
        " a dark age of thirty thousand years, and founds a colony of scholars to"
        " shorten it to one thousand.",
        (on_loan("patron2", 6), AVAILABLE),
    ),
    DemoBook(
        "9780553382563",
        "I, Robot",
        "asimov",
        EN,
        ("Science Fiction", "Short Stories"),
        "Bantam Spectra, 2004",
        "Robopsychologist Susan Calvin looks back on the robots she has known, in"
        " nine stories that test the Three Laws of Robotics to their limits.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9782070360024",
        "L'Étranger",
        "camus",
        FR,
        ("Philosophical Fiction",),
        "Gallimard (Folio), 1972",
        "« Aujourd'hui, maman est morte. » Meursault, employé de bureau à Alger,"
        " tue un Arabe sur une plage, presque sans raison, et son procès devient"
        " celui de son indifférence.",
        (on_loan("patron2", 20), AVAILABLE),
    ),
    DemoBook(
        "9782070360420",
        "La Peste",
        "camus",
        FR,
        ("Philosophical Fiction",),
        "Gallimard (Folio), 1972",
        "La peste s'abat sur Oran, ville fermée au monde. Le docteur Rieux et"
        " quelques hommes luttent contre elle, sans héroïsme, parce que c'est leur"
        " métier d'être honnêtes.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780679720201",
        "The Stranger",
        "camus",
        EN,
        ("Philosophical Fiction",),
        "Vintage International, 1989",
        "Meursault, a clerk in Algiers, kills a man on a beach for no clear reason;"
        " at his trial he is judged less for the murder than for not weeping at his"
        " mother's funeral. Matthew Ward's translation.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9782070612758",
        "Le Petit Prince",
        "saint-exupery",
        FR,
        ("Children's",),
        "Gallimard (Folio Junior), 2007",
        "Un aviateur en panne dans le Sahara rencontre un petit prince venu d'une"
        " autre planète, qui lui raconte sa rose, ses voyages, et ce que les"
        " grandes personnes ne comprennent pas.",
        (on_loan("patron", 17), AVAILABLE),
    ),
    DemoBook(
        "9780156012195",
        "The Little Prince",
        "saint-exupery",
        EN,
        ("Children's",),
        "Harcourt, 2000",
        "A pilot stranded in the Sahara meets a small boy from another planet, who"
        " tells him about his rose, his travels, and what grown-ups never"
        " understand. Richard Howard's translation.",
        (AVAILABLE, AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780307474728",
        "Cien años de soledad",
        "garcia-marquez",
        ES,
        ("Magical Realism",),
        "Vintage Español, 2009",
        "Siete generaciones de la familia Buendía viven, aman y se equivocan en"
        " Macondo, el pueblo que José Arcadio Buendía fundó en medio de la ciénaga,"
        " desde su fundación hasta su desaparición.",
        (on_loan("patron", 10), AVAILABLE),
    ),
    DemoBook(
        "9780060883287",
        "One Hundred Years of Solitude",
        "garcia-marquez",
        EN,
        ("Magical Realism",),
        "Harper Perennial Modern Classics, 2006",
        "Seven generations of the Buendía family live, love and repeat their"
        " mistakes in Macondo, the town their ancestor founded in a swamp. Gregory"
        " Rabassa's translation.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780307387264",
        "El amor en los tiempos del cólera",
        "garcia-marquez",
        ES,
        ("Romance", "Literary Fiction"),
        "Vintage Español, 2007",
        "Florentino Ariza espera más de cincuenta años, nueve meses y cuatro días"
        " para volver a declarar su amor a Fermina Daza, el día del entierro de su"
        " marido.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780060934347",
        "Don Quixote",
        "cervantes",
        EN,
        ("Adventure", "Satire"),
        "Ecco, 2005",
        "A country gentleman who has read too many tales of chivalry renames himself"
        " Don Quixote and rides out, with the farmer Sancho Panza as his squire, to"
        " right the wrongs of the world. Edith Grossman's translation.",
        (AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9788420412146",
        "Don Quijote de la Mancha",
        "cervantes",
        ES,
        ("Adventure", "Satire"),
        "Alfaguara (Real Academia Española), 2004",
        "Un hidalgo manchego enloquece de tanto leer libros de caballerías y sale a"
        " deshacer agravios con su escudero Sancho Panza. Edición del IV centenario.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780802130303",
        "Ficciones",
        "borges",
        EN,
        ("Short Stories", "Philosophical Fiction"),
        "Grove Press, 1962",
        "Stories of infinite libraries, forking paths and invented worlds that leak"
        " into ours, among them 'Tlön, Uqbar, Orbis Tertius' and 'The Library of"
        " Babel'.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780811216999",
        "Labyrinths",
        "borges",
        EN,
        ("Short Stories",),
        "New Directions, 2007",
        "A selection of Borges' stories, essays and parables, from 'The Garden of"
        " Forking Paths' to 'Borges and I', with an introduction by William Gibson.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780143106494",
        "Madame Bovary",
        "flaubert",
        EN,
        ("Literary Fiction",),
        "Penguin Classics, 2011",
        "Emma, married to a dull country doctor, looks for the passion of the novels"
        " she read at school in love affairs and in debts she cannot pay. Lydia"
        " Davis's translation.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9782070413119",
        "Madame Bovary",
        "flaubert",
        FR,
        ("Literary Fiction",),
        "Gallimard (Folio classique), 2001",
        "Emma, épouse d'un médecin de campagne sans éclat, cherche dans l'adultère"
        " et le luxe les passions des romans qu'elle lisait au couvent, jusqu'à la"
        " ruine.",
        (AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780451419439",
        "Les Misérables",
        "hugo",
        EN,
        ("Historical Fiction",),
        "Signet Classics, 2013",
        "Jean Valjean, released after nineteen years in prison for stealing bread,"
        " becomes an honest man under a new name, hunted for decades by the"
        " inspector Javert.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780140449266",
        "The Count of Monte Cristo",
        "dumas",
        EN,
        ("Adventure", "Historical Fiction"),
        "Penguin Classics, 2003",
        "Betrayed on his wedding day and buried in the Château d'If, the sailor"
        " Edmond Dantès escapes with the secret of a treasure, and returns as the"
        " Count of Monte Cristo to take his revenge.",
        (AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780679734505",
        "Crime and Punishment",
        "dostoevsky",
        EN,
        ("Philosophical Fiction",),
        "Vintage Classics, 1993",
        "Raskolnikov, a penniless former student in St Petersburg, murders an old"
        " pawnbroker to prove he is above ordinary morality, and finds he is not."
        " Pevear and Volokhonsky's translation.",
        (on_loan("patron2", -3), AVAILABLE),
    ),
    DemoBook(
        "9780374528379",
        "The Brothers Karamazov",
        "dostoevsky",
        EN,
        ("Philosophical Fiction",),
        "Farrar, Straus and Giroux, 2002",
        "Three brothers, the passionate Dmitri, the sceptic Ivan and the gentle"
        " Alyosha, and the murder of their dissolute father.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780143035008",
        "Anna Karenina",
        "tolstoy",
        EN,
        ("Literary Fiction", "Romance"),
        "Penguin Classics, 2004",
        "Anna leaves her husband and son for the officer Vronsky and pays for it in"
        " a society that forgives everything but openness, while Levin looks for"
        " meaning on his country estate.",
        (reserved_for("patron2"), AVAILABLE),
    ),
    DemoBook(
        "9781400079988",
        "War and Peace",
        "tolstoy",
        EN,
        ("Historical Fiction",),
        "Vintage Classics, 2008",
        "Russian families at war and at peace during Napoleon's invasion, from the"
        " ballrooms of St Petersburg to the field of Borodino and the burning of"
        " Moscow.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780156628709",
        "Mrs. Dalloway",
        "woolf",
        EN,
        ("Literary Fiction",),
        "Harcourt, 1990",
        "One June day in London in 1923: Clarissa Dalloway prepares a party, while"
        " Septimus Smith, a shell-shocked veteran, moves towards his end.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780156907392",
        "To the Lighthouse",
        "woolf",
        EN,
        ("Literary Fiction",),
        "Harcourt, 1989",
        "The Ramsay family's summers in a house on the Isle of Skye, before and"
        " after the First World War, and a trip to the lighthouse postponed for ten"
        " years.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780062073488",
        "And Then There Were None",
        "christie",
        EN,
        ("Mystery",),
        "William Morrow, 2011",
        "Ten strangers are invited to an island off the Devon coast, each accused of"
        " a murder the law could not punish. Then, one by one, they die.",
        (AVAILABLE, AVAILABLE, MAINTENANCE),
    ),
    DemoBook(
        "9780062073495",
        "Murder on the Orient Express",
        "christie",
        EN,
        ("Mystery",),
        "William Morrow, 2011",
        "A passenger is stabbed in his compartment while the Orient Express is stuck"
        " in a snowdrift, and Hercule Poirot finds that everyone on board has an"
        " alibi.",
        (on_loan("patron2", 14), AVAILABLE),
    ),
    DemoBook(
        "9780345539434",
        "Cosmos",
        "sagan",
        EN,
        ("Popular Science",),
        "Ballantine Books, 2013",
        "From the Library of Alexandria to the Voyager probes, a tour of the universe"
        " and of how we came to understand our place in it.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780345376596",
        "Pale Blue Dot",
        "sagan",
        EN,
        ("Popular Science",),
        "Ballantine Books, 1997",
        "Starting from a photograph of Earth taken by Voyager 1 from six billion"
        " kilometres away, Sagan argues for exploring, and settling, the solar"
        " system.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780553380163",
        "A Brief History of Time",
        "hawking",
        EN,
        ("Popular Science",),
        "Bantam, 1998",
        "Black holes, the Big Bang and the arrow of time, explained for readers"
        " without mathematics.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780060935467",
        "To Kill a Mockingbird",
        "lee",
        EN,
        ("Literary Fiction",),
        "Harper Perennial Modern Classics, 2002",
        "In 1930s Alabama, Scout Finch watches her father, the lawyer Atticus,"
        " defend a Black man falsely accused of rape, and learns what her town is"
        " made of.",
        (AVAILABLE, AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780140432053",
        "On the Origin of Species",
        "darwin",
        EN,
        ("Popular Science",),
        "Penguin Classics, 1985",
        "Darwin's 1859 argument that species are not fixed but descend from common"
        " ancestors, shaped by natural selection.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9780062316097",
        "Sapiens: A Brief History of Humankind",
        "harari",
        EN,
        ("History", "Popular Science"),
        "Harper, 2015",
        "How one species of ape came to rule the planet, through the cognitive,"
        " agricultural and scientific revolutions, and whether it made us any"
        " happier.",
        (reserved_for("patron"), AVAILABLE),
    ),
    DemoBook(
        "9780385490818",
        "The Handmaid's Tale",
        "atwood",
        EN,
        ("Dystopian Fiction",),
        "Anchor Books, 1998",
        "In the Republic of Gilead, Offred is a handmaid, kept only to bear children"
        " for a Commander, and remembers the life she had before.",
        (AVAILABLE, AVAILABLE),
    ),
    DemoBook(
        "9780679731726",
        "The Remains of the Day",
        "ishiguro",
        EN,
        ("Literary Fiction",),
        "Vintage International, 1990",
        "Stevens, an English butler on a motoring trip in 1956, looks back on his"
        " years of service at Darlington Hall and on what his devotion cost him.",
        (AVAILABLE,),
    ),
    DemoBook(
        "9781400078776",
        "Never Let Me Go",
        "ishiguro",
        EN,
        ("Literary Fiction", "Science Fiction"),
        "Vintage International, 2006",
        "Kathy remembers her childhood at Hailsham, a boarding school in the English"
        " countryside, and slowly pieces together what she and her friends were"
        " raised for.",
        (AVAILABLE,),
    ),
)


class Command(BaseCommand):
    help = (
        "Load a small demo library (real books, authors, copies and loans) and the"
        " demo accounts. Existing rows are never changed."
    )
    requires_migrations_checks = True

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load nothing when the catalog already has books (what `make run` does).",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Book.objects.exists():
            self.stdout.write("The catalog already has books: no demo data loaded.")
            User = get_user_model()
            self.users = {
                user.username: user
                for user in User.objects.filter(
                    username__in=[username for username, _, _ in DEMO_ACCOUNTS]
                )
            }
            self.new_usernames = set()
            self.print_accounts()
            return
        with transaction.atomic():
            created = {
                "genres": self.load_genres(),
                "languages": self.load_languages(),
                "authors": self.load_authors(),
            }
            created["accounts"] = self.load_accounts()
            created["books"] = self.load_books()
            created["copies"] = self.load_copies()
        self.print_summary(created)

    # Catalog -------------------------------------------------------------------------

    def load_genres(self):
        names = sorted({name for book in BOOKS for name in book.genres})
        self.genres, created = self.get_or_create_by_name(Genre, names)
        return created

    def load_languages(self):
        names = sorted({book.language for book in BOOKS})
        self.languages, created = self.get_or_create_by_name(Language, names)
        return created

    @staticmethod
    def get_or_create_by_name(model, names):
        """{name: object}, reusing rows whose name differs only by case (the unique rule)."""
        objects, created = {}, 0
        for name in names:
            obj = model.objects.filter(name__iexact=name).order_by("pk").first()
            if obj is None:
                obj = model.objects.create(name=name)
                created += 1
            objects[name] = obj
        return objects, created

    def load_authors(self):
        self.authors, created = {}, 0
        for key, (first_name, last_name, born, died) in AUTHORS.items():
            author = (
                Author.objects.filter(first_name=first_name, last_name=last_name)
                .order_by("pk")
                .first()
            )
            if author is None:
                author = Author.objects.create(
                    first_name=first_name,
                    last_name=last_name,
                    date_of_birth=born,
                    date_of_death=died,
                )
                created += 1
            self.authors[key] = author
        return created

    def load_books(self):
        self.books, created = {}, 0
        for demo in BOOKS:
            book, is_new = Book.objects.get_or_create(
                isbn=demo.isbn,
                defaults=dict(
                    title=demo.title,
                    author=self.authors[demo.author],
                    summary=demo.summary,
                    language=self.languages[demo.language],
                ),
            )
            if is_new:
                book.genre.set([self.genres[name] for name in demo.genres])
                created += 1
            self.books[demo.isbn] = book
        return created

    def load_copies(self):
        today = timezone.localdate()
        wanted = {}
        for demo in BOOKS:
            for number, copy in enumerate(demo.copies, start=1):
                pk = copy_id(demo.isbn, number)
                wanted[pk] = BookInstance(
                    id=pk,
                    book=self.books[demo.isbn],
                    imprint=demo.imprint,
                    status=copy.status,
                    borrower=self.users[copy.borrower] if copy.borrower else None,
                    due_back=(
                        today + timedelta(days=copy.due_in_days)
                        if copy.due_in_days is not None
                        else None
                    ),
                )
        existing = set(BookInstance.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        new = [copy for pk, copy in wanted.items() if pk not in existing]
        BookInstance.objects.bulk_create(new)
        self.copy_ids = list(wanted)
        return len(new)

    # Accounts ------------------------------------------------------------------------

    def load_accounts(self):
        User = get_user_model()
        groups = {
            LIBRARIANS_GROUP: self.get_group(LIBRARIANS_GROUP, all_catalog_perms=True),
            MEMBERS_GROUP: self.get_group(MEMBERS_GROUP),
        }
        self.users, self.new_usernames = {}, set()
        for username, password, _ in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = self.create_account(User, username, password, groups)
                self.new_usernames.add(username)
            self.users[username] = user
        return len(self.new_usernames)

    @staticmethod
    def get_group(name, all_catalog_perms=False):
        """The group (made by migration 0002); if someone deleted it, made again."""
        group, is_new = Group.objects.get_or_create(name=name)
        if is_new and all_catalog_perms:
            group.permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
        return group

    @staticmethod
    def create_account(User, username, password, groups):
        profile = ACCOUNT_PROFILES[username]
        fields = dict(
            username=username,
            email=f"{username}@example.com",
            password=password,
            first_name=profile["first_name"],
            last_name=profile["last_name"],
        )
        if profile.get("superuser"):
            user = User.objects.create_superuser(**fields)
        else:
            user = User.objects.create_user(**fields, is_staff=profile.get("staff", False))
        if profile["group"]:
            user.groups.add(groups[profile["group"]])
        return user

    # Report --------------------------------------------------------------------------

    def print_summary(self, created):
        today = timezone.localdate()
        copies = BookInstance.objects.filter(pk__in=self.copy_ids)
        on_loan = copies.filter(status=Status.ON_LOAN)
        by_status = {
            status.label: copies.filter(status=status).count()
            for status in (Status.AVAILABLE, Status.ON_LOAN, Status.RESERVED, Status.MAINTENANCE)
        }
        totals = {
            "books": len(BOOKS),
            "authors": len(AUTHORS),
            "genres": len(self.genres),
            "languages": len(self.languages),
            "copies": len(self.copy_ids),
            "accounts": len(DEMO_ACCOUNTS),
        }
        write = self.stdout.write
        if any(created.values()):
            write(self.style.SUCCESS("Demo data loaded."))
        else:
            write(self.style.SUCCESS("Demo data already loaded: nothing was changed."))
        for name, total in totals.items():
            write(f"  {name.capitalize():<10} {total:>3}  ({created[name]} new)")
        write(
            "  Copies by status: "
            + ", ".join(f"{label.lower()} {count}" for label, count in by_status.items())
            + f"; {on_loan.filter(due_back__lt=today).count()} on loan are overdue."
        )
        write("")
        self.print_accounts()

    def print_accounts(self):
        write = self.stdout.write
        write("Demo accounts (log in at /accounts/login/):")
        rows = [("Username", "Password", "Can")]
        for username, password, can in DEMO_ACCOUNTS:
            user = self.users.get(username)
            if user is None:
                continue
            if username not in self.new_usernames and not check_password(password, user.password):
                password = "(changed since, not shown)"
            rows.append((username, password, can))
        widths = [max(len(row[i]) for row in rows) for i in (0, 1)]
        for username, password, can in rows:
            write(f"  {username:<{widths[0]}}  {password:<{widths[1]}}  {can}")
