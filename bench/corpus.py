"""Made-up helpdesk text for the benchmarks: names, subjects and mail bodies in English and
German, drawn from word lists with a seeded `random.Random`.

Words are drawn with skewed weights (a few products and problems are common, many are rare)
and every text carries some unique tokens (order numbers, host names, error codes), so a
full-text search for a word hits a realistic fraction of the documents.
"""

from __future__ import annotations

import random
from itertools import accumulate


def words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = words(
    "Anna Ben Clara David Emma Felix Greta Hannah Jonas Julia Karl Laura Lena Leon Lukas "
    "Marie Max Mia Noah Paul Sophie Tim Tobias Lisa Sarah Michael Thomas Stefan Andreas "
    "Sabine Petra Monika Jürgen Günter Björn Jörg Ursula Käthe Özlem Zoë John Mary James "
    "Patricia Robert Jennifer William Linda Richard Susan Joseph Karen Charles Nancy Daniel "
    "Betty Matthew Helen Mark Sandra Steven Donna Kevin Carol Brian Ruth George Sharon Edward "
    "Michelle Ronald Amy Li Wei Chen Mei Raj Priya Ahmed Fatima Olga Ivan Pierre Chloé Luca "
    "Giulia Sven Ingrid"
)
LAST_NAMES = words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler Maier Walter König Huber "
    "Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Vogel Friedrich Keller Günther "
    "Frank Berger Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
    "Hernandez Lopez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White "
    "Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams "
    "Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Torres Parker Collins "
    "Edwards Stewart Nguyen Kowalski Nowak Novák Rossi Russo Dubois Lefebvre Jansen Visser "
    "Andersson Nielsen Yilmaz"
)
CITIES = words(
    "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen Bremen "
    "Dresden Hannover Nürnberg Wien Graz Zürich Basel Bern London Manchester Dublin Amsterdam "
    "Rotterdam Paris Lyon Madrid Barcelona Milano Roma Praha Warszawa Stockholm Oslo "
    "København Boston Chicago Denver Seattle Austin Toronto Sydney"
)
COMPANY_WORDS = words(
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Wonka "
    "Aperture Massive Dynamic Nordwind Alpen Rhein Elbe Donau Hanse Adler Falke Löwe Sonnen "
    "Blau Grün Nova Vita Tech Data Logistik Maschinenbau Software Systems Solutions "
    "Consulting Medical Pharma Energie Handel Bau Versicherung Bank Media Foods Textil Chemie "
    "Robotics"
)
COMPANY_FORMS = ("GmbH", "AG", "KG", "GmbH & Co. KG", "Ltd", "Inc.", "LLC", "SE", "e.V.", "plc")
DOMAINS = ("de", "com", "at", "ch", "co.uk", "eu", "org", "net", "io")

# (English, German) pairs, most common first; a word's weight falls with its rank.
PRODUCTS = [
    ("password", "Passwort"),
    ("laptop", "Laptop"),
    ("invoice", "Rechnung"),
    ("VPN", "VPN"),
    ("Outlook", "Outlook"),
    ("order", "Bestellung"),
    ("email account", "E-Mail-Konto"),
    ("delivery", "Lieferung"),
    ("monitor", "Bildschirm"),
    ("SAP", "SAP"),
    ("Wi-Fi", "WLAN"),
    ("refund", "Gutschrift"),
    ("phone", "Telefon"),
    ("Teams", "Teams"),
    ("contract", "Vertrag"),
    ("network drive", "Netzlaufwerk"),
    ("customer portal", "Kundenportal"),
    ("docking station", "Dockingstation"),
    ("printer", "Drucker"),
    ("keyboard", "Tastatur"),
    ("license", "Lizenz"),
    ("shipment", "Sendung"),
    ("scanner", "Scanner"),
    ("headset", "Headset"),
    ("SharePoint", "SharePoint"),
    ("backup", "Datensicherung"),
    ("web shop", "Webshop"),
    ("payslip", "Gehaltsabrechnung"),
    ("Excel", "Excel"),
    ("mouse", "Maus"),
    ("projector", "Beamer"),
    ("smartphone", "Smartphone"),
    ("firewall", "Firewall"),
    ("database", "Datenbank"),
    ("quote", "Angebot"),
    ("toner", "Toner"),
    ("router", "Router"),
    ("webcam", "Webcam"),
    ("certificate", "Zertifikat"),
    ("Citrix", "Citrix"),
    ("Jira", "Jira"),
    ("payroll", "Lohnabrechnung"),
    ("ERP", "ERP"),
    ("calendar", "Kalender"),
    ("USB stick", "USB-Stick"),
    ("return", "Rücksendung"),
    ("parking permit", "Parkausweis"),
    ("access card", "Zugangskarte"),
    ("training", "Schulung"),
    ("API key", "API-Schlüssel"),
    ("mobile app", "Mobile App"),
    ("heating", "Heizung"),
    ("air conditioning", "Klimaanlage"),
    ("coffee machine", "Kaffeemaschine"),
    ("warehouse", "Lager"),
    ("credit note", "Gutschrift"),
    ("direct debit", "Lastschrift"),
    ("reminder letter", "Mahnung"),
    ("spare part", "Ersatzteil"),
    ("tablet", "Tablet"),
    ("server", "Server"),
    ("DNS", "DNS"),
    ("domain", "Domain"),
    ("mailbox", "Postfach"),
    ("shared calendar", "Gruppenkalender"),
    ("time sheet", "Zeiterfassung"),
    ("travel expenses", "Reisekosten"),
    ("user account", "Benutzerkonto"),
    ("software update", "Softwareupdate"),
    ("antivirus", "Virenscanner"),
    ("meeting room", "Besprechungsraum"),
    ("conference phone", "Konferenztelefon"),
    ("label maker", "Etikettiergerät"),
    ("barcode scanner", "Barcodescanner"),
    ("cash register", "Kasse"),
    ("tracking number", "Sendungsnummer"),
    ("delivery note", "Lieferschein"),
    ("onboarding", "Einarbeitung"),
    ("laptop bag", "Laptoptasche"),
    ("power supply", "Netzteil"),
]
PROBLEMS = [
    ("does not work", "funktioniert nicht"),
    ("is very slow", "ist sehr langsam"),
    ("cannot connect", "keine Verbindung"),
    ("shows an error", "zeigt einen Fehler"),
    ("stopped working after the update", "geht seit dem Update nicht mehr"),
    ("keeps crashing", "stürzt ständig ab"),
    ("access denied", "Zugriff verweigert"),
    ("needs to be replaced", "muss ausgetauscht werden"),
    ("request for a new one", "Anfrage für ein neues Gerät"),
    ("is missing", "fehlt"),
    ("question about the bill", "Frage zur Abrechnung"),
    ("is locked", "ist gesperrt"),
    ("cannot be installed", "lässt sich nicht installieren"),
    ("prints blank pages", "druckt leere Seiten"),
    ("is out of paper", "hat kein Papier mehr"),
    ("expired", "ist abgelaufen"),
    ("wrong amount", "falscher Betrag"),
    ("does not start", "startet nicht"),
    ("lost data", "Daten verloren"),
    ("makes strange noises", "macht seltsame Geräusche"),
]
ERRORS = [
    "Error 0x80070005: Access is denied.",
    "Error 404 Not Found",
    "HTTP 500 Internal Server Error",
    "ORA-12541: TNS:no listener",
    "java.lang.NullPointerException at com.example.app.Main.run(Main.java:42)",
    "The RPC server is unavailable. (Exception from HRESULT: 0x800706BA)",
    "Connection timed out after 30000 ms",
    "SSL certificate problem: certificate has expired",
    "Fehler 0x0000011b: Der Vorgang konnte nicht abgeschlossen werden.",
    "Die Verbindung zum Server wurde unterbrochen.",
    "Anmeldung fehlgeschlagen: Benutzername oder Kennwort ist falsch.",
    "Der Drucker ist offline.",
    "Speicherplatz auf dem Datenträger reicht nicht aus.",
    "Kerberos: KDC has no support for encryption type",
    "Outlook cannot connect to the server. Error 0x800CCC0E",
    "Paper jam in tray 2 (error 13.A2.D3)",
    "BSOD: IRQL_NOT_LESS_OR_EQUAL",
    "SAP: Runtime error TSV_TNEW_PAGE_ALLOC_FAILED",
    "VPN error 809: the network connection could not be established",
    "Zugriff verweigert (Fehlercode 5)",
]
EN_SENTENCES = [
    "since this morning the {p} {q}",
    "we have a problem with the {p} in our office in {city}",
    "could you please have a look at the {p} as soon as possible",
    "the {p} on the {floor} floor {q}",
    "I get the following message: {err}",
    "this happens every time I try to open the {p}",
    "several colleagues are affected as well",
    "I already restarted the computer but it did not help",
    "our order number is {order}",
    "the device has the inventory number {asset}",
    "please call me back at {phone}",
    "this is urgent because we cannot work",
    "the host name is {host}",
    "it worked fine until last week",
    "we need this fixed before the end of the month",
    "I attached a screenshot of the error message",
    "is there any update on this issue",
    "thank you for your quick help yesterday",
    "the same problem occurred again today",
    "we would like to order {n} new {p} licenses",
    "please reset the {p} for user {login}",
    "the invoice {invoice} shows a wrong amount",
    "the delivery for order {order} has not arrived yet",
    "can you tell me when the technician will come",
]
DE_SENTENCES = [
    "seit heute Morgen {q_de} der {p_de}",
    "wir haben ein Problem mit dem {p_de} in unserem Büro in {city}",
    "könnten Sie sich bitte den {p_de} so schnell wie möglich ansehen",
    "der {p_de} im {floor}. Stock {q_de}",
    "ich bekomme folgende Meldung: {err}",
    "das passiert jedes Mal, wenn ich den {p_de} öffnen möchte",
    "mehrere Kollegen sind ebenfalls betroffen",
    "ich habe den Rechner bereits neu gestartet, leider ohne Erfolg",
    "unsere Bestellnummer lautet {order}",
    "das Gerät hat die Inventarnummer {asset}",
    "bitte rufen Sie mich unter {phone} zurück",
    "es ist dringend, da wir nicht arbeiten können",
    "der Hostname lautet {host}",
    "bis letzte Woche hat alles einwandfrei funktioniert",
    "wir benötigen eine Lösung bis Ende des Monats",
    "im Anhang finden Sie einen Screenshot der Fehlermeldung",
    "gibt es schon einen neuen Stand zu diesem Problem",
    "vielen Dank für Ihre schnelle Hilfe gestern",
    "das gleiche Problem ist heute wieder aufgetreten",
    "wir möchten {n} neue Lizenzen für {p_de} bestellen",
    "bitte setzen Sie das Passwort für den Benutzer {login} zurück",
    "die Rechnung {invoice} weist einen falschen Betrag aus",
    "die Lieferung zur Bestellung {order} ist noch nicht angekommen",
    "können Sie mir sagen, wann der Techniker kommt",
]
EN_ANSWERS = [
    "thank you for your message",
    "we have forwarded your request to our second level support",
    "please try to restart the {p} and let us know if the problem persists",
    "we have reset your password, you will receive a separate email",
    "a technician will visit you on {weekday}",
    "the replacement {p} has been shipped with tracking number {tracking}",
    "could you please send us the exact error message",
    "we have corrected the invoice {invoice}",
    "the issue was caused by a faulty update and has been fixed",
    "please check whether the problem still occurs",
    "we will close this ticket if we do not hear from you within five days",
    "your license has been extended until the end of the year",
]
DE_ANSWERS = [
    "vielen Dank für Ihre Nachricht",
    "wir haben Ihre Anfrage an unseren Second-Level-Support weitergeleitet",
    "bitte starten Sie den {p_de} neu und geben Sie uns Bescheid, falls das Problem bleibt",
    "wir haben Ihr Passwort zurückgesetzt, Sie erhalten eine separate E-Mail",
    "ein Techniker kommt am {weekday_de} bei Ihnen vorbei",
    "der Ersatz für den {p_de} wurde mit der Sendungsnummer {tracking} verschickt",
    "könnten Sie uns bitte die genaue Fehlermeldung schicken",
    "wir haben die Rechnung {invoice} korrigiert",
    "die Ursache war ein fehlerhaftes Update, das wir behoben haben",
    "bitte prüfen Sie, ob das Problem noch auftritt",
    "wir schließen dieses Ticket, wenn wir innerhalb von fünf Tagen nichts von Ihnen hören",
    "Ihre Lizenz wurde bis zum Jahresende verlängert",
]
EN_NOTES = [
    "called the customer, no answer",
    "checked the logs on {host}, nothing unusual",
    "waiting for the vendor, case number {order}",
    "spare part ordered",
    "escalated to the network team",
    "known issue, see ticket {order}",
    "remote session done, {p} works again",
]
DE_NOTES = [
    "Kunde angerufen, nicht erreicht",
    "Logs auf {host} geprüft, keine Auffälligkeiten",
    "warten auf den Hersteller, Fallnummer {order}",
    "Ersatzteil bestellt",
    "an das Netzwerkteam eskaliert",
    "bekanntes Problem, siehe Ticket {order}",
    "Fernwartung durchgeführt, {p_de} geht wieder",
]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")
QUEUE_AREAS = [
    ("Support", ["Hardware", "Software", "Network", "Accounts", "Printing", "Mobile"]),
    ("Sales", ["Quotes", "Orders", "Partners"]),
    ("Billing", ["Invoices", "Refunds", "Dunning"]),
    ("Service Desk", ["Level 1", "Level 2", "Level 3", "Onboarding"]),
    ("Facilities", ["Building", "Cleaning", "Parking"]),
    ("Logistics", ["Shipping", "Returns", "Warehouse"]),
    ("HR", ["Payroll", "Recruiting", "Training"]),
    ("Development", ["Web Shop", "ERP", "Mobile App", "API"]),
    ("Security", ["Incidents", "Access Requests", "Certificates"]),
    ("Kundendienst", ["Reklamationen", "Anfragen", "Verträge"]),
]


def _weights(count: int, skew: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** skew for rank in range(count)))


_PRODUCT_CUM = _weights(len(PRODUCTS), 0.3)
_PROBLEM_CUM = _weights(len(PROBLEMS), 0.8)


class TextMaker:
    """Subjects, bodies and notes; `rng` decides everything, so a seed gives the same text."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def product(self) -> tuple[str, str]:
        return self.rng.choices(PRODUCTS, cum_weights=_PRODUCT_CUM)[0]

    def problem(self) -> tuple[str, str]:
        return self.rng.choices(PROBLEMS, cum_weights=_PROBLEM_CUM)[0]

    def _slots(self, product: tuple[str, str]) -> dict[str, str]:
        r = self.rng
        return {
            "p": product[0],
            "p_de": product[1],
            "q": self.problem()[0],
            "q_de": self.problem()[1],
            "city": r.choice(CITIES),
            "floor": str(r.randint(1, 6)),
            "err": r.choice(ERRORS),
            "order": f"{r.choice(('PO', 'SO', 'INC', 'AB'))}-{r.randint(100000, 999999)}",
            "asset": f"INV{r.randint(10000, 99999)}",
            "phone": f"+49 {r.randint(30, 989)} {r.randint(100000, 9999999)}",
            "host": f"{r.choice(('srv', 'pc', 'nb', 'prn', 'db'))}-"
            f"{r.choice(CITIES)[:3].lower()}-{r.randint(1, 999):03d}",
            "n": str(r.randint(2, 50)),
            "login": f"{r.choice(FIRST_NAMES).lower()}.{r.choice(LAST_NAMES).lower()}",
            "invoice": f"RE-{r.randint(2022, 2026)}-{r.randint(1000, 99999)}",
            "weekday": r.choice(WEEKDAYS),
            "weekday_de": r.choice(WEEKDAYS_DE),
            "tracking": f"{r.randint(10**11, 10**12 - 1)}",
        }

    def subject(self, german: bool) -> tuple[str, tuple[str, str]]:
        """A ticket title and the product it is about."""
        r = self.rng
        product = self.product()
        kind = r.random()
        if kind < 0.12:
            text = f"{product[0]}: {r.choice(ERRORS)}"
        elif german:
            text = f"{product[1]} {self.problem()[1]}"
        else:
            text = f"{product[0].capitalize()} {self.problem()[0]}"
        if kind > 0.9:
            text = f"{'Dringend' if german else 'Urgent'}: {text}"
        return text, product

    def _sentences(self, templates: list[str], product: tuple[str, str], count: int) -> str:
        slots = self._slots(product)
        picked = self.rng.sample(templates, count)
        text = ". ".join(t.format_map(slots) for t in picked) + "."
        return text[0].upper() + text[1:]

    def customer_mail(self, german: bool, product: tuple[str, str], name: str) -> str:
        r = self.rng
        paragraphs = [self._sentences(DE_SENTENCES if german else EN_SENTENCES, product, 2)]
        for _ in range(r.choice((0, 1, 1, 2, 3))):
            paragraphs.append(
                self._sentences(DE_SENTENCES if german else EN_SENTENCES, self.product(), 2)
            )
        greeting = r.choice(
            ("Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,")
            if german
            else ("Hello,", "Dear support team,", "Hi,")
        )
        closing = r.choice(
            ("Mit freundlichen Grüßen", "Viele Grüße", "Danke und Gruß")
            if german
            else ("Best regards", "Kind regards", "Thanks")
        )
        return f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{closing}\n{name}\n"

    def agent_answer(self, german: bool, product: tuple[str, str], customer: str, agent: str):
        r = self.rng
        body = self._sentences(DE_ANSWERS if german else EN_ANSWERS, product, r.randint(2, 4))
        salutation = f"Hallo {customer}," if german else f"Dear {customer},"
        closing = "Mit freundlichen Grüßen" if german else "Best regards"
        return f"{salutation}\n\n{body}\n\n{closing}\n{agent}\nService Desk\n"

    def note(self, german: bool, product: tuple[str, str]) -> str:
        return self._sentences(DE_NOTES if german else EN_NOTES, product, self.rng.randint(1, 2))
