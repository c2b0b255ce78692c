#!/usr/bin/env python
"""Writes the test letters in this folder: one file per letter plus ``<name>.json`` with its expected split.

    .venv/bin/python tests/letters/make_letters.py

The letters are invented, in the layouts Dutch councils use (headings with and
without colon, in capitals, numbering ``1.`` ``1)`` ``1:`` ``(1)`` ``a.``
``I.`` ``Vraag 1``, answers ``Ad 1)`` ``Antwoord 1`` ``Antwoord:`` after the
repeated question, signatures before or after the questions). The TXT letters
are written as text; the DOCX ones with python-docx (header and footer in the
section, footnotes as trailing ``1)`` lines); the PDF ones with fpdf2 (LGPL-3.0, a
dev dependency only) with a running header, ``Pagina N van M`` footers, wrapped
lines and footnotes in a smaller font at the page bottom. The generated files
are committed: the tests read them and need neither writer. A DOCX or PDF that
exists is not written again (delete it to regenerate it).

Expected JSON fields: ``submitted``, ``answered``, ``authors``, ``parties``,
``questions`` (``number``, ``starts``, ``ends``: the question text's first and
last words, ``answer``: the answer's first words or ``null``), ``absent``:
strings that must be in no question, answer or intro text (headers, footers,
footnote bodies, signatures), and ``intro_starts``.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

LETTERS: dict[str, dict] = {}


def letter(name: str, text: str, **expected) -> None:
    LETTERS[name] = {"text": text.strip() + "\n", **expected}


def q(number: str, starts: str, ends: str, answer: str | None) -> dict:
    return {"number": number, "starts": starts, "ends": ends, "answer": answer}


# 1. "Vragen" on its own line, 1) numbering, "Ad 1)" answers, labels with (s), answer heading with date
letter("01-ad-haakje", """
Schriftelijke vragen over de fietsenstalling bij het station

Indiener(s): Sanne de Wit
Datum indiening: 4 maart 2024

Sinds de sluiting van de bewaakte stalling aan de Stationsweg staan honderden fietsen op de stoep. Bewoners melden dat zij hun voordeur nauwelijks nog bereiken.

Vragen
1) Is het college bekend met de overlast van gestalde fietsen aan de Stationsweg?
2) Wanneer gaat de nieuwe stalling open en hoeveel plekken krijgt zij?
3) Is het college bereid tot die tijd handhavers in te zetten?

Sanne de Wit (GroenLinks)

Beantwoording door het college, 2 april 2024

Ad 1)
Ja. Het college ontvangt sinds januari meldingen over fietsen op de stoep.

Ad 2)
De nieuwe stalling opent in september en biedt 1.200 plekken.

Ad 3)
Nee. De handhavers zijn nu nodig in de binnenstad; wel plaatsen wij tijdelijke rekken.
""",
       submitted="2024-03-04", answered="2024-04-02", authors=["Sanne de Wit"], parties=["GroenLinks"],
       intro_starts="Sinds de sluiting",
       questions=[q("1", "Is het college bekend", "Stationsweg?", "Ja. Het college ontvangt"),
                  q("2", "Wanneer gaat de nieuwe", "krijgt zij?", "De nieuwe stalling opent"),
                  q("3", "Is het college bereid", "in te zetten?", "Nee. De handhavers")],
       absent=["Sanne de Wit (GroenLinks)", "Beantwoording door het college"])

# 2. Capitals, "Vragensteller:", "Verzonden:", name-comma-party signature, ANTWOORDEN VAN HET COLLEGE + Antwoord N
letter("02-hoofdletters", """
Vragensteller: Pieter van Dijk
Verzonden: 12-09-2023

Onderwerp: Zwemles voor kinderen uit minimagezinnen

Uit cijfers van de zwembaden blijkt dat steeds minder kinderen een zwemdiploma halen.

VRAGEN

1. Hoeveel kinderen in de gemeente hebben op hun twaalfde geen zwemdiploma?
2. Kan de regeling voor minimagezinnen ook de kosten van zwemles dekken?

Pieter van Dijk, SP

ANTWOORDEN VAN HET COLLEGE

Datum beantwoording: 3 oktober 2023

Antwoord 1
Dat zijn er volgens de laatste meting ongeveer 180 per jaar.

Antwoord 2
Ja, vanaf 2024 vergoedt de regeling een volledig zwemlespakket.
""",
       submitted="2023-09-12", answered="2023-10-03", authors=["Pieter van Dijk"], parties=["SP"],
       title="Zwemles voor kinderen uit minimagezinnen", intro_starts="Uit cijfers",
       questions=[q("1", "Hoeveel kinderen", "zwemdiploma?", "Dat zijn er volgens"),
                  q("2", "Kan de regeling", "dekken?", "Ja, vanaf 2024")],
       absent=["Pieter van Dijk, SP", "ANTWOORDEN VAN HET COLLEGE"])

# 3. "Schriftelijke vragen" heading, "Vraag 1:" inline, answers "Antwoord vraag 1:", "namens de fractie van X, Name"
letter("03-namens-fractie", """
Datum: 15 januari 2025

Schriftelijke vragen
namens de fractie van D66, Jan Bakker

Het college heeft aangekondigd de openingstijden van de bibliotheek in Merenwijk te beperken.

Vraag 1: Op welke cijfers baseert het college dit besluit?
Vraag 2: Zijn de bewoners van Merenwijk vooraf geraadpleegd?

Antwoorden van het college van burgemeester en wethouders
Verzonden: 11 februari 2025

Antwoord vraag 1: Op de bezoekersaantallen van 2022 tot en met 2024.
Antwoord vraag 2: Er is in november een bewonersavond gehouden.
""",
       submitted="2025-01-15", answered="2025-02-11", authors=["Jan Bakker"], parties=["D66"],
       intro_starts="Het college heeft aangekondigd",
       questions=[q("1", "Op welke cijfers", "besluit?", "Op de bezoekersaantallen"),
                  q("2", "Zijn de bewoners", "geraadpleegd?", "Er is in november")],
       absent=["namens de fractie"])

# 4. Roman numerals, question list repeated above "Antwoord:", two signers "Name – Party"
letter("04-romeins", """
Door: Fatima El Amrani en Kees Jansen
Indiendatum: 7 mei 2024

In de Kooi zijn de afgelopen maand drie speeltuinen gesloten wegens achterstallig onderhoud.

Vragen:
I. Welke speeltuinen zijn gesloten en waarom?
II. Wanneer gaan zij weer open?
III. Hoe voorkomt het college dat dit opnieuw gebeurt?

Fatima El Amrani – PvdA
Kees Jansen – CDA

Antwoorddatum: 28 mei 2024

Welke speeltuinen zijn gesloten en waarom?
Antwoord: De speeltuinen aan de Kooilaan, het Roodborstpad en de Vinkenstraat; de toestellen voldeden niet meer aan de keuring.

Wanneer gaan zij weer open?
Antwoord: Na vervanging van de toestellen, naar verwachting in juli.

Hoe voorkomt het college dat dit opnieuw gebeurt?
Antwoord: Wij keuren voortaan twee keer per jaar in plaats van eenmaal.
""",
       submitted="2024-05-07", answered="2024-05-28", authors=["Fatima El Amrani", "Kees Jansen"],
       parties=["PvdA", "CDA"], intro_starts="In de Kooi",
       questions=[q("I", "Welke speeltuinen", "en waarom?", "De speeltuinen aan de Kooilaan"),
                  q("II", "Wanneer gaan zij", "weer open?", "Na vervanging"),
                  q("III", "Hoe voorkomt het college", "opnieuw gebeurt?", "Wij keuren voortaan")],
       absent=["Fatima El Amrani – PvdA", "Kees Jansen – CDA"])

# 5. Letter numbering a. b. c., answers a. b. c. under "Antwoorden:"
letter("05-letters", """
Indieners: Lotte Vermeulen (Volt Leiden)
Datum indiening: 2 februari 2024

Onderwerp: Laadpalen in de Professorenwijk

Bewoners wachten soms meer dan een jaar op een laadpaal.

Wij hebben de volgende vragen:
a. Hoeveel aanvragen voor een laadpaal staan open?
b. Wat is de gemiddelde wachttijd?
c. Gaat het college de plaatsing versnellen?

Antwoorden:
Datum: 1 maart 2024
a. Er staan 214 aanvragen open.
b. Gemiddeld veertien maanden.
c. Ja, met een tweede aannemer vanaf april.
""",
       submitted="2024-02-02", answered="2024-03-01", authors=["Lotte Vermeulen"], parties=["Volt"],
       title="Laadpalen in de Professorenwijk", intro_starts="Bewoners wachten",
       questions=[q("a", "Hoeveel aanvragen", "staan open?", "Er staan 214"),
                  q("b", "Wat is de gemiddelde", "wachttijd?", "Gemiddeld veertien"),
                  q("c", "Gaat het college", "versnellen?", "Ja, met een tweede")],
       absent=[])

# 6. Unnumbered question paragraphs, repeated with "Antwoord:", party with branch as a separate line
letter("06-ongenummerd", """
Indiendatum: 19 juni 2023
Door: Eva Smits

Het Singelpark is in de zomer druk bezocht; er staan te weinig afvalbakken.

Vragen:

Is het college bekend met de klachten over zwerfafval in het Singelpark?

Is het college bereid extra afvalbakken te plaatsen voor de zomer?

Eva Smits
Volt Leiden

Antwoorddatum: 10 juli 2023

Is het college bekend met de klachten over zwerfafval in het Singelpark?

Antwoord: Ja. Er kwamen dit jaar 46 meldingen binnen.

Is het college bereid extra afvalbakken te plaatsen voor de zomer?

Antwoord: Ja, er komen twintig extra bakken.
""",
       submitted="2023-06-19", answered="2023-07-10", authors=["Eva Smits"], parties=["Volt"],
       intro_starts="Het Singelpark",
       questions=[q("1", "Is het college bekend", "Singelpark?", "Ja. Er kwamen"),
                  q("2", "Is het college bereid", "voor de zomer?", "Ja, er komen")],
       absent=["Volt Leiden"])

# 7. "1:" numbering, combined answer "Ad 2 en 3:", one answer missing
letter("07-gecombineerd", """
Indiendatum: 8 november 2022
Door: Joris Mulder (Partij voor de Dieren)

De gemeente kapt dit najaar 40 iepen langs de Haarlemmerweg.

Vragen:
1: Waarom worden de iepen gekapt?
2: Welke bomen komen ervoor terug?
3: Wanneer worden die geplant?
4: Is een herplantplicht opgelegd aan de aannemer?

Antwoorddatum: 29 november 2022

Ad 1: De iepen zijn aangetast door de iepziekte.
Ad 2 en 3: Er komen 45 linden terug, in het plantseizoen van 2023.
""",
       submitted="2022-11-08", answered="2022-11-29", authors=["Joris Mulder"],
       parties=["Partij voor de Dieren"], intro_starts="De gemeente kapt",
       questions=[q("1", "Waarom worden", "gekapt?", "De iepen zijn aangetast"),
                  q("2", "Welke bomen", "terug?", "Er komen 45 linden"),
                  q("3", "Wanneer worden", "geplant?", "Er komen 45 linden"),
                  q("4", "Is een herplantplicht", "aannemer?", None)],
       absent=[])

# 8. Questions only; signature directly under the last question, several signers with parties
letter("08-alleen-vragen", """
Schriftelijke vragen ex artikel 45 RvO
Datum: 21 augustus 2024

Geacht college,

Ouders in de Stevenshof melden dat het zebrapad bij de school aan de Loopbaan onveilig is.

1. Is het college bekend met deze meldingen?
2. Is het college bereid het zebrapad te verlichten?
3. Wanneer kan de gemeenteraad een reactie verwachten?
Mark de Jong (VVD)
Aisha Bouzid (GL-PvdA)
""",
       submitted="2024-08-21", answered=None, authors=["Mark de Jong", "Aisha Bouzid"],
       parties=["VVD", "GL-PvdA"], intro_starts="Geacht college",
       questions=[q("1", "Is het college bekend", "meldingen?", None),
                  q("2", "Is het college bereid", "verlichten?", None),
                  q("3", "Wanneer kan de", "verwachten?", None)],
       absent=["Mark de Jong", "Aisha Bouzid"])

# 9. "(1)" numbering, "Antwoord op vraag N", labels without colon
letter("09-haakjes", """
Indiendatum 30 september 2024
Indiener Thomas Visser, ChristenUnie
Antwoorddatum 22 oktober 2024

Het aantal daklozen dat in de winter buiten slaapt, neemt toe.

Vragen

(1) Hoeveel bedden heeft de nachtopvang deze winter?
(2) Wordt de opvang ook overdag opengesteld bij vorst?

Antwoorden

Antwoord op vraag 1
Er zijn 64 bedden, tien meer dan vorig jaar.

Antwoord op vraag 2
Ja, bij een gevoelstemperatuur onder nul gaat de opvang overdag open.
""",
       submitted="2024-09-30", answered="2024-10-22", authors=["Thomas Visser"], parties=["ChristenUnie"],
       intro_starts="Het aantal daklozen",
       questions=[q("1", "Hoeveel bedden", "deze winter?", "Er zijn 64 bedden"),
                  q("2", "Wordt de opvang", "bij vorst?", "Ja, bij een gevoelstemperatuur")],
       absent=[])

# 10. Interleaved "Vraag 1" / "Antwoord 1" headings, signer before the questions
letter("10-vraag-antwoord", """
Schriftelijke vragen van raadslid Noor Hendriks (Leiden Positief) over de markt op zaterdag
Ingediend op: 5 april 2024
Beantwoord op: 30 april 2024

Marktkooplieden klagen over de nieuwe indeling van de zaterdagmarkt.

Vraag 1
Hoeveel kramen zijn door de nieuwe indeling verplaatst?

Antwoord 1
Er zijn 23 kramen verplaatst naar de Vismarkt.

Vraag 2
Zijn de marktkooplieden vooraf gehoord?

Antwoord 2
Ja, in de marktcommissie van februari.
""",
       submitted="2024-04-05", answered="2024-04-30", authors=["Noor Hendriks"], parties=["Leiden Positief"],
       intro_starts="Marktkooplieden",
       questions=[q("1", "Hoeveel kramen", "verplaatst?", "Er zijn 23 kramen"),
                  q("2", "Zijn de marktkooplieden", "gehoord?", "Ja, in de marktcommissie")],
       absent=[])

# 15. Title naming the group, "Vragen aan het college", closing formula, "Namens de fractie van ...", singular
#     answer heading with date, answers numbered like the questions
letter("15-namens-groet", """
Schriftelijke vragen van de fractie Partij voor de Dieren over bomenkap in het Leidse Hout

Datum: 3 maart 2025

In het Leidse Hout zijn deze week bomen gemarkeerd voor de kap.

Vragen aan het college
1. Hoeveel bomen worden er gekapt en waarom?
2. Is voor de kap een omgevingsvergunning verleend?

Met vriendelijke groet,
Namens de fractie van de Partij voor de Dieren,
Ilse de Boer

Antwoord van het college, 25 maart 2025

1. Er worden 60 bomen gekapt; zij zijn aangetast door de essentaksterfte.
2. Ja, de vergunning is op 10 februari verleend.
""",
       submitted="2025-03-03", answered="2025-03-25", authors=["Ilse de Boer"], parties=["Partij voor de Dieren"],
       intro_starts="In het Leidse Hout",
       questions=[q("1", "Hoeveel bomen", "en waarom?", "Er worden 60 bomen"),
                  q("2", "Is voor de kap", "verleend?", "Ja, de vergunning")],
       absent=["Met vriendelijke groet", "Ilse de Boer"])

# 16. "Vraag 1." with "Antwoord van het college:" after each, signer with role before the questions
letter("16-antwoord-college", """
Onderwerp: Parkeertarieven Morsweg
Datum indiening: 12 juni 2024
Datum beantwoording: 9 juli 2024

Ruud Hoekstra, fractievoorzitter Leefbaar Leiden

Sinds 1 mei betalen bewoners van de Morsweg het dubbele voor een parkeervergunning.

Vraag 1. Waarom zijn de tarieven aan de Morsweg verdubbeld?
Antwoord van het college: De Morsweg valt sinds mei in de zone binnenstad.

Vraag 2. Geldt de verhoging ook voor bezoekersvergunningen?
Antwoord van het college: Nee, die blijven gelijk.
""",
       submitted="2024-06-12", answered="2024-07-09", authors=["Ruud Hoekstra"], parties=["Leefbaar Leiden"],
       title="Parkeertarieven Morsweg", intro_starts="Sinds 1 mei",
       questions=[q("1", "Waarom zijn de tarieven", "verdubbeld?", "De Morsweg valt"),
                  q("2", "Geldt de verhoging", "bezoekersvergunningen?", "Nee, die blijven")],
       absent=["fractievoorzitter"])

# 18. Hard-wrapped text, bulleted questions wrapped over two lines, reference labels, an answer heading
#     "Antwoord van het college d.d. <date>", the questions repeated above "Antwoord:"
letter("18-opsomming", """
Raadsvragen
Naam indiener: Lisa Verbeek
Fractie: ChristenUnie
Datum indiening: 14 mei 2024
Portefeuillehouder: wethouder Jansen

Onderwerp: Verkeersveiligheid rond basisschool De Regenboog

Ouders maken zich zorgen over de verkeerssituatie bij de basisschool aan
de Kooilaan, waar auto's met hoge snelheid langs het schoolplein rijden.

Vragen:
- Is het college bekend met de zorgen van ouders over de
  verkeerssituatie bij De Regenboog?
- Is het college bereid een schoolzone met 30 km/u in te
  richten?

Antwoord van het college d.d. 4 juni 2024

Is het college bekend met de zorgen van ouders over de verkeerssituatie bij De Regenboog?
Antwoord: Ja, de school heeft ons in april benaderd.

Is het college bereid een schoolzone met 30 km/u in te richten?
Antwoord: Ja, de schoolzone wordt na de zomer ingericht.
""",
       submitted="2024-05-14", answered="2024-06-04", authors=["Lisa Verbeek"], parties=["ChristenUnie"],
       title="Verkeersveiligheid rond basisschool De Regenboog", intro_starts="Ouders maken zich zorgen",
       questions=[q("1", "Is het college bekend", "De Regenboog?", "Ja, de school heeft"),
                  q("2", "Is het college bereid", "in te richten?", "Ja, de schoolzone")],
       absent=["Portefeuillehouder", "Raadsvragen"])

# 20. The college's answer letter: its title starts "Beantwoording van ...", the asker is named in it,
#     "Vraag N" / "Antwoord" pairs, a place-and-date line and the college's signature block at the end
letter("20-collegebrief", """
Beantwoording van de schriftelijke vragen van het raadslid Femke Jansen (GroenLinks) over de huisvesting van studenten

Datum vragen: 8 oktober 2024

Geachte mevrouw Jansen,

In uw brief stelt u vragen over de huisvesting van internationale studenten. Hieronder beantwoorden wij uw vragen.

Vraag 1
Hoeveel internationale studenten staan op de wachtlijst voor een kamer?
Antwoord
Volgens de universiteit ongeveer 350.

Vraag 2
Welke noodlocaties zijn beschikbaar?
Antwoord
De voormalige kazerne aan de Lammenschansweg biedt 120 tijdelijke kamers.

Leiden, 29 oktober 2024

Burgemeester en wethouders van Leiden,
de secretaris,            de burgemeester,
Jan de Vries              Peter Dijkstra
""",
       submitted="2024-10-08", answered="2024-10-29", authors=["Femke Jansen"], parties=["GroenLinks"],
       title="Beantwoording van de schriftelijke vragen van het raadslid Femke Jansen (GroenLinks) over de "
             "huisvesting van studenten",
       intro_starts="Geachte mevrouw Jansen",
       questions=[q("1", "Hoeveel internationale", "voor een kamer?", "Volgens de universiteit"),
                  q("2", "Welke noodlocaties", "beschikbaar?", "De voormalige kazerne")],
       absent=["Burgemeester en wethouders", "Leiden, 29 oktober", "Peter Dijkstra"])

# 23. Place and date on top, the group named in the title line, "Vraag 1:" / "Antwoord vraag 1:" lines,
#     closing formula and "Fractie X Leiden" above the name
letter("23-plaats-datum", """
Leiden, 3 maart 2024

Schriftelijke vragen ex art. 45 RvO van de fractie van GroenLinks inzake de ijsbaan

Geacht college,

De ijsbaan op het Schuttersveld trekt veel bezoekers, maar omwonenden klagen over geluid.

Vraag 1: Hoeveel klachten zijn er binnengekomen?
Vraag 2: Welke maatregelen neemt het college?

Met vriendelijke groet,
Fractie GroenLinks Leiden
Jan Jansen

Antwoorddatum: 26 maart 2024

Antwoord vraag 1: Er kwamen 23 klachten binnen.
Antwoord vraag 2: De muziek gaat om 22.00 uur uit.
""",
       submitted="2024-03-03", answered="2024-03-26", authors=["Jan Jansen"], parties=["GroenLinks"],
       title="Schriftelijke vragen ex art. 45 RvO van de fractie van GroenLinks inzake de ijsbaan",
       intro_starts="Geacht college",
       questions=[q("1", "Hoeveel klachten", "binnengekomen?", "Er kwamen 23"),
                  q("2", "Welke maatregelen", "het college?", "De muziek gaat")],
       absent=["Met vriendelijke groet", "Leiden, 3 maart 2024"])

# 24. "Vraag:" / "Antwoord:" pairs without numbers, "Vraagsteller:" with the party in brackets, d-m-yyyy
letter("24-vraag-antwoord-ongenummerd", """
Onderwerp: Bankjes in het park
Indiendatum: 4-4-2024
Vraagsteller: Kim de Boer (PvdA)
Datum beantwoording: 23-4-2024

Vraag:
Wil het college extra bankjes plaatsen in het Van der Werfpark?

Antwoord:
Ja, er komen vijf bankjes bij.

Vraag:
Wanneer worden die geplaatst?

Antwoord:
In mei.
""",
       submitted="2024-04-04", answered="2024-04-23", authors=["Kim de Boer"], parties=["PvdA"],
       title="Bankjes in het park", intro_starts="",
       questions=[q("1", "Wil het college", "Werfpark?", "Ja, er komen vijf"),
                  q("2", "Wanneer worden", "geplaatst?", "In mei.")],
       absent=["Vraag:"])

# 25. Questions "1) ... 2) ..." on one line, "Ingekomen:", answers "1)" "2)" under a bare "Beantwoording"
letter("25-inline-haakjes", """
Vragen van het raadslid Eva de Groot (D66)
Ingekomen: 10 juni 2024

Het college heeft besloten de subsidie voor het jongerenwerk te korten.

1) Klopt het dat de subsidie met 20% wordt gekort? 2) Wat zijn de gevolgen voor de jongeren in de Slaaghwijk?

Beantwoording
Verzonden: 2 juli 2024
1) Ja, met ingang van 2025.
2) Het jongerenwerk blijft in de Slaaghwijk, wel met minder uren.
""",
       submitted="2024-06-10", answered="2024-07-02", authors=["Eva de Groot"], parties=["D66"],
       title="Vragen van het raadslid Eva de Groot (D66)", intro_starts="Het college heeft besloten",
       questions=[q("1", "Klopt het", "gekort?", "Ja, met ingang van 2025."),
                  q("2", "Wat zijn de gevolgen", "Slaaghwijk?", "Het jongerenwerk blijft")],
       absent=[])

# 26. Everything in capitals: labels, VRAAG N / ANTWOORD N headers
letter("26-kapitalen", """
ONDERWERP: Fietspaden Oostvlietpolder
INDIENDATUM: 5 mei 2024
INDIENER: Roos Verhoeven (Partij voor de Dieren)
ANTWOORDDATUM: 27 mei 2024

VRAAG 1
Wanneer worden de fietspaden verlicht?

ANTWOORD 1
In het najaar van 2024.

VRAAG 2
Wat kost de verlichting?

ANTWOORD 2
Ongeveer 80.000 euro.
""",
       submitted="2024-05-05", answered="2024-05-27", authors=["Roos Verhoeven"], parties=["Partij voor de Dieren"],
       title="Fietspaden Oostvlietpolder", intro_starts="",
       questions=[q("1", "Wanneer worden", "verlicht?", "In het najaar"),
                  q("2", "Wat kost", "verlichting?", "Ongeveer 80.000 euro.")],
       absent=["VRAAG", "ANTWOORD"])

# 27. An e-mail: Van/Aan/Datum/Onderwerp header, "Mijn vragen zijn:", no answers yet, signer with role
letter("27-email", """
Van: Marco Kuiper
Aan: college van burgemeester en wethouders
Datum: 9 september 2024
Onderwerp: Straatverlichting Morsweg

Beste college,

Op de Morsweg is de straatverlichting al weken kapot.

Mijn vragen zijn:
1. Wanneer wordt de verlichting gerepareerd?
2. Waarom duurt het zo lang?

Met vriendelijke groet,
Marco Kuiper
fractievoorzitter Leiden Positief
""",
       submitted="2024-09-09", answered=None, authors=["Marco Kuiper"], parties=["Leiden Positief"],
       title="Straatverlichting Morsweg", intro_starts="Beste college",
       questions=[q("1", "Wanneer wordt", "gerepareerd?", None), q("2", "Waarom duurt", "zo lang?", None)],
       absent=["Mijn vragen zijn", "college van burgemeester en wethouders", "fractievoorzitter"])

DOCX_LETTERS: dict[str, dict] = {}
PDF_LETTERS: dict[str, dict] = {}

# 11. DOCX: Word-numbered questions, header and footer, Ad N answers, footnotes at the end
DOCX_LETTERS["11-docx-ad"] = dict(
    header="Gemeente Leiden - Raadsvragen 2024-118", footer="Pagina 1",
    paragraphs=[
        ("Indiendatum: 11 juni 2024", None), ("Door: Bram de Graaf (CDA)", None),
        ("Het zwembad De Vliet sluit volgens de planning in 2026, maar een vervanger is nog niet gebouwd.1)", None),
        ("VRAGEN", None),
        ("Klopt het dat de bouw van het nieuwe zwembad een jaar vertraging heeft?", "list"),
        ("Hoe blijft zwemles mogelijk als De Vliet sluit voordat het nieuwe bad open is?", "list"),
        ("Bram de Graaf (CDA)", None),
        ("Antwoorddatum: 2 juli 2024", None),
        ("Ad 1)", None), ("Ja. De aanbesteding moest opnieuw.", None),
        ("Ad 2)", None), ("De Vliet blijft open tot het nieuwe bad in gebruik is.", None),
        ("_______________", None),
        ("1) Leidsch Dagblad, 10 juni 2024, Zwembad De Vliet dicht in 2026", None),
    ],
    expected=dict(submitted="2024-06-11", answered="2024-07-02", authors=["Bram de Graaf"], parties=["CDA"],
                  intro_starts="Het zwembad De Vliet",
                  questions=[q("1", "Klopt het", "vertraging heeft?", "Ja. De aanbesteding"),
                             q("2", "Hoe blijft zwemles", "open is?", "De Vliet blijft open")],
                  absent=["Raadsvragen 2024-118", "Leidsch Dagblad, 10 juni 2024"]))

# 12. DOCX: "Vraag N" / "Antwoord:" pairs, signature "Name, Party" before the questions
DOCX_LETTERS["12-docx-vraag"] = dict(
    header="Schriftelijke vragen", footer="Gemeente Leiden",
    paragraphs=[
        ("Onderwerp: Wachtlijst jeugdzorg", None),
        ("Datum indiening: 14 oktober 2024", None),
        ("Ingediend door: Yara Koster, Partij Sleutelstad", None),
        ("Jongeren wachten maanden op een eerste gesprek met de jeugdzorg.", None),
        ("Vraag 1", None), ("Hoe lang is de gemiddelde wachttijd voor een eerste gesprek?", None),
        ("Antwoord:", None), ("Elf weken, gemeten over het derde kwartaal.", None),
        ("Vraag 2", None), ("Welke maatregelen neemt het college om de wachtlijst te verkorten?", None),
        ("Antwoord:", None), ("Wij kopen extra capaciteit in bij twee aanbieders.", None),
        ("Datum beantwoording: 5 november 2024", None),
    ],
    expected=dict(submitted="2024-10-14", answered="2024-11-05", authors=["Yara Koster"],
                  parties=["Partij Sleutelstad"], title="Wachtlijst jeugdzorg", intro_starts="Jongeren wachten",
                  questions=[q("1", "Hoe lang is", "eerste gesprek?", "Elf weken"),
                             q("2", "Welke maatregelen", "verkorten?", "Wij kopen extra")],
                  absent=[]))

# 17. DOCX: questions and answers side by side in a table (number | Vraag | Antwoord), one left open
DOCX_LETTERS["17-docx-tabel"] = dict(
    header="Gemeente Leiden", footer="Raadsvragen",
    paragraphs=[
        ("Indiener(s): Merel Kok (D66), Sem Yilmaz (D66)", None),
        ("Indiendatum: 20 januari 2025", None),
        ("Antwoorddatum: 11 februari 2025", None),
        ("De gemeente wil het aantal deelscooters in de binnenstad beperken.", None),
    ],
    table=[["Nr.", "Vraag", "Antwoord"],
           ["1", "Hoeveel deelscooters staan er nu in de binnenstad?", "Ongeveer 450, verdeeld over drie aanbieders."],
           ["2", "Komen er vaste parkeerplekken voor deelscooters?", "Ja, op twaalf locaties vanaf april."],
           ["3", "Wordt het aantal aanbieders beperkt?", ""]],
    expected=dict(submitted="2025-01-20", answered="2025-02-11", authors=["Merel Kok", "Sem Yilmaz"], parties=["D66"],
                  intro_starts="De gemeente wil",
                  questions=[q("1", "Hoeveel deelscooters", "binnenstad?", "Ongeveer 450"),
                             q("2", "Komen er vaste", "deelscooters?", "Ja, op twaalf"),
                             q("3", "Wordt het aantal", "beperkt?", None)],
                  absent=[]))

# 21. DOCX: questions as a Word bullet list, "Namens de CDA-fractie," above the name, the questions
#     repeated above "Antwoord:" under ANTWOORDEN VAN HET COLLEGE with a "Datum:" line
DOCX_LETTERS["21-docx-opsomming"] = dict(
    header="Schriftelijke vragen", footer="Pagina 1",
    paragraphs=[
        ("Onderwerp: Openingstijden Stadsloket", None), ("Indiendatum: 2 december 2024", None),
        ("Het Stadsloket is sinds november op woensdag gesloten.", None),
        ("Vragen aan het college:", None),
        ("Waarom is het Stadsloket op woensdag gesloten?", "bullet"),
        ("Hoe kunnen inwoners die alleen op woensdag vrij zijn een afspraak maken?", "bullet"),
        ("Namens de CDA-fractie,", None), ("Peter Smit", None),
        ("ANTWOORDEN VAN HET COLLEGE", None), ("Datum: 17 december 2024", None),
        ("Waarom is het Stadsloket op woensdag gesloten?", None), ("Antwoord: Door een tekort aan personeel.", None),
        ("Hoe kunnen inwoners die alleen op woensdag vrij zijn een afspraak maken?", None),
        ("Antwoord: Op donderdagavond is het loket open tot 20.00 uur.", None),
    ],
    expected=dict(submitted="2024-12-02", answered="2024-12-17", authors=["Peter Smit"], parties=["CDA"],
                  title="Openingstijden Stadsloket", intro_starts="Het Stadsloket is",
                  questions=[q("1", "Waarom is het Stadsloket", "gesloten?", "Door een tekort"),
                             q("2", "Hoe kunnen inwoners", "afspraak maken?", "Op donderdagavond")],
                  absent=["Namens de CDA-fractie", "Peter Smit", "ANTWOORDEN"]))

LONG_INTRO = (
    "Op 3 februari 2024 berichtte de krant dat de woningcorporaties in de regio steeds vaker woningen "
    "toewijzen aan urgent woningzoekenden, terwijl de doorstroming van ouderen naar kleinere woningen "
    "stokt. Het aantal verhuizingen binnen de sociale huursector is volgens de corporaties in drie jaar "
    "met een kwart gedaald. Tegelijk stijgt de wachttijd voor starters tot boven de acht jaar. "
)

# 13. PDF: running header, page-number footer, wrapped long questions, footnotes in a smaller font,
#     question list repeated above each answer
PDF_LETTERS["13-pdf-herhaald"] = dict(
    header="Gemeente Leiden | Schriftelijke vragen 2024-031", footer="Pagina {page} van {pages}",
    blocks=[
        ("p", "Indiendatum: 5 februari 2024"), ("p", "Door: Sophie Brouwer"),
        ("p", LONG_INTRO * 3, "1", "NOS, 3 februari 2024, Doorstroming op de woningmarkt stokt"),
        ("p", LONG_INTRO * 2),
        ("h", "Vragen:"),
        ("p", "1. Is het college bekend met de berichtgeving over de stokkende doorstroming van ouderen in "
              "de sociale huursector en deelt het college de zorgen van de corporaties?"),
        ("p", "2. Welke afspraken over doorstroming staan in de prestatieafspraken met de corporaties en "
              "hoe vaak worden die afspraken geëvalueerd?", "2",
         "Prestatieafspraken Leiden 2023-2027, vastgesteld 14 maart 2023"),
        ("p", "3. Is het college bereid een verhuispremie voor ouderen in te voeren naar het voorbeeld "
              "van andere gemeenten in de regio?"),
        ("p", "Sophie Brouwer"), ("p", "Partij Sleutelstad"),
        ("p", "Antwoorddatum: 4 maart 2024"),
        ("p", "Is het college bekend met de berichtgeving over de stokkende doorstroming van ouderen in "
              "de sociale huursector en deelt het college de zorgen van de corporaties?"),
        ("p", "Antwoord: Ja. Het college deelt de zorgen en bespreekt de doorstroming in het "
              "regionale woonoverleg. " + LONG_INTRO),
        ("p", "Welke afspraken over doorstroming staan in de prestatieafspraken met de corporaties en "
              "hoe vaak worden die afspraken geëvalueerd?"),
        ("p", "Antwoord: De corporaties bieden ouderen voorrang op gelijkvloerse woningen; de afspraken "
              "worden jaarlijks geëvalueerd. " + LONG_INTRO * 2),
        ("p", "Is het college bereid een verhuispremie voor ouderen in te voeren naar het voorbeeld "
              "van andere gemeenten in de regio?"),
        ("p", "Antwoord: Het college onderzoekt dit en informeert de raad voor de zomer."),
    ],
    expected=dict(submitted="2024-02-05", answered="2024-03-04", authors=["Sophie Brouwer"],
                  parties=["Partij Sleutelstad"], intro_starts="Op 3 februari 2024",
                  questions=[q("1", "Is het college bekend", "zorgen van de corporaties?", "Ja. Het college deelt"),
                             q("2", "Welke afspraken", "geëvalueerd?", "De corporaties bieden"),
                             q("3", "Is het college bereid", "in de regio?", "Het college onderzoekt")],
                  absent=["Schriftelijke vragen 2024-031", "Pagina 1 van", "Pagina 2 van",
                          "Doorstroming op de woningmarkt stokt", "vastgesteld 14 maart 2023"]))

# 14. PDF: VRAGEN heading, 1) numbering, Ad 1) answers, "Name - Party" signature, header + footer
PDF_LETTERS["14-pdf-ad"] = dict(
    header="Raadsvragen gemeente Leiden", footer="- {page} -",
    blocks=[
        ("p", "Vragensteller: Daan Vos"), ("p", "Datum indiening: 9 september 2024"),
        ("p", "Onderwerp: Geluidsoverlast evenementen Hooigracht"),
        ("p", LONG_INTRO * 4),
        ("h", "VRAGEN"),
        ("p", "1) Hoeveel evenementen met versterkte muziek zijn dit jaar aan de Hooigracht vergund en "
              "hoeveel klachten over geluid zijn daarover binnengekomen?"),
        ("p", "2) Is het college bereid de geluidsnormen voor evenementen in de binnenstad aan te scherpen "
              "en vaker te controleren tijdens het evenement zelf?", "1",
         "Evenementenbeleid Leiden 2022, paragraaf 4.3"),
        ("p", "Daan Vos - Leiden Positief"),
        ("h", "Beantwoording door het college, 1 oktober 2024"),
        ("p", "Ad 1)"), ("p", "Er zijn 14 evenementen vergund en 37 klachten binnengekomen. " + LONG_INTRO * 2),
        ("p", "Ad 2)"), ("p", "Ja. Vanaf 2025 meten wij tijdens elk evenement met een geluidsmeter."),
    ],
    expected=dict(submitted="2024-09-09", answered="2024-10-01", authors=["Daan Vos"], parties=["Leiden Positief"],
                  title="Geluidsoverlast evenementen Hooigracht", intro_starts="Op 3 februari 2024",
                  questions=[q("1", "Hoeveel evenementen", "daarover binnengekomen?", "Er zijn 14 evenementen"),
                             q("2", "Is het college bereid", "evenement zelf?", "Ja. Vanaf 2025")],
                  absent=["Raadsvragen gemeente Leiden", "Evenementenbeleid Leiden 2022", "Daan Vos - Leiden"]))


# 19. PDF over three pages: "Vraag N" / "Antwoord" interleaved, two signers with parties in the opening
#     sentence, a footnote, page numbers "3/3" at the top right
PDF_LETTERS["19-pdf-vraag-antwoord"] = dict(
    header="Schriftelijke vragen art. 45 RvO - {page}/{pages}", footer="gemeente Leiden, griffie",
    blocks=[
        ("p", "Schriftelijke vragen van de raadsleden Tom Bosman (VVD) en Nadia Amrani (PvdA) over de sluiting "
              "van het buurthuis De Kooi"),
        ("p", "Ingediend op: 2 september 2024"), ("p", "Beantwoord op: 24 september 2024"),
        ("p", LONG_INTRO * 2, "1", "Leidsch Dagblad, 30 augustus 2024, Buurthuis De Kooi gaat dicht"),
        ("h", "Vraag 1"),
        ("p", "Waarom sluit het buurthuis De Kooi per 1 januari en welke afwegingen heeft het college daarbij "
              "gemaakt ten aanzien van de bewoners die er wekelijks gebruik van maken?"),
        ("h", "Antwoord"), ("p", "Het gebouw voldoet niet meer aan de eisen. " + LONG_INTRO * 4),
        ("h", "Vraag 2"),
        ("p", "Waar kunnen de activiteiten van het buurthuis na de sluiting terecht?"),
        ("h", "Antwoord"), ("p", "In de nieuwe brede school aan de Kooilaan. " + LONG_INTRO * 3),
        ("h", "Vraag 3"),
        ("p", "Is het college bereid de sluiting uit te stellen tot er een vervangende locatie is?"),
        ("h", "Antwoord"), ("p", "Nee. De brede school opent op 1 januari, zodat er geen onderbreking is."),
    ],
    expected=dict(submitted="2024-09-02", answered="2024-09-24", authors=["Tom Bosman", "Nadia Amrani"],
                  parties=["VVD", "PvdA"], intro_starts="Op 3 februari 2024",
                  title="Schriftelijke vragen van de raadsleden Tom Bosman (VVD) en Nadia Amrani (PvdA) over de "
                        "sluiting van het buurthuis De Kooi",
                  questions=[q("1", "Waarom sluit", "wekelijks gebruik van maken?", "Het gebouw voldoet"),
                             q("2", "Waar kunnen", "terecht?", "In de nieuwe brede school"),
                             q("3", "Is het college bereid", "locatie is?", "Nee. De brede school")],
                  absent=["art. 45 RvO", "griffie", "Buurthuis De Kooi gaat dicht"]))


# 22. PDF: the answers in a smaller font than the questions, running to the bottom of the page, a
#     footnote under them, numbered answers after "Antwoorden" without repeating the questions
PDF_LETTERS["22-pdf-kleine-letter"] = dict(
    header="Raadsvragen 2025-007", footer="Pagina {page}",
    blocks=[
        ("p", "Door: Lars Mulder (SP)"), ("p", "Indiendatum: 6 januari 2025"),
        ("p", LONG_INTRO * 3),
        ("h", "Vragen"),
        ("p", "1. Hoeveel woningen van de corporaties staan langer dan een half jaar leeg?", "1",
         "Huurdersvereniging Leiden, 2 januari 2025, Leegstand bij corporaties"),
        ("p", "2. Welke afspraken maakt het college met de corporaties om de leegstand te beperken?"),
        ("h", "Antwoorden"), ("p", "Antwoorddatum: 28 januari 2025"),
        ("s", "1. Volgens de corporaties gaat het om 41 woningen, vooral wegens renovatie. " + LONG_INTRO * 3),
        ("s", "2. In de prestatieafspraken komt een maximale leegstandstermijn van drie maanden. " + LONG_INTRO * 2),
    ],
    expected=dict(submitted="2025-01-06", answered="2025-01-28", authors=["Lars Mulder"], parties=["SP"],
                  intro_starts="Op 3 februari 2024",
                  questions=[q("1", "Hoeveel woningen", "half jaar leeg?", "Volgens de corporaties"),
                             q("2", "Welke afspraken", "te beperken?", "In de prestatieafspraken")],
                  absent=["Raadsvragen 2025-007", "Leegstand bij corporaties"]))


def write_docx(name: str, spec: dict) -> None:
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = spec["header"]
    section.footer.paragraphs[0].text = spec["footer"]
    for text, style in spec["paragraphs"]:
        document.add_paragraph(text, style={"list": "List Number", "bullet": "List Bullet"}.get(style))
    if "table" in spec:
        table = document.add_table(rows=len(spec["table"]), cols=len(spec["table"][0]))
        for row, cells in zip(table.rows, spec["table"]):
            for cell, text in zip(row.cells, cells):
                cell.text = text
    document.core_properties.title = ""
    document.save(HERE / f"{name}.docx")


def write_pdf(name: str, spec: dict) -> None:
    from fpdf import FPDF

    class Letter(FPDF):
        footnotes: dict[int, list[tuple[str, str]]] = {}

        def header(self) -> None:
            self.set_font("DejaVu", size=8)
            self.cell(0, 6, spec["header"].format(page=self.page_no(), pages="{nb}"), align="R")
            self.ln(12)

        def footer(self) -> None:
            notes = self.footnotes.get(self.page_no(), [])
            self.set_y(-18 - 4 * len(notes))
            self.set_font("DejaVu", size=7)
            for mark, body in notes:
                self.cell(0, 4, f"{mark} {body}")
                self.ln(4)
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.cell(0, 6, spec["footer"].format(page=self.page_no(), pages="{nb}"), align="C")

    pdf = Letter(format="A4")
    pdf.footnotes = {}
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_auto_page_break(True, margin=40)
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    for block in spec["blocks"]:
        kind, text = block[0], block[1]
        pdf.set_font("DejaVu", size={"h": 12, "s": 8.5}.get(kind, 10.5))
        pdf.write(5.5, text)
        if len(block) > 2:
            pdf.char_vpos = "SUP"
            pdf.write(5.5, block[2])
            pdf.char_vpos = "LINE"
            pdf.footnotes.setdefault(pdf.page_no(), []).append((block[2], block[3]))
        pdf.ln(9)
    pdf.output(str(HERE / f"{name}.pdf"))


def write_scanned_pdf() -> None:
    """A PDF with only a drawing: what a scan without a text layer looks like to the parser."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 170, 250, style="F")
    pdf.output(str(HERE / "scanned" / "zonder-tekstlaag.pdf"))


def main() -> None:
    for name, spec in LETTERS.items():
        (HERE / f"{name}.txt").write_text(spec.pop("text"), encoding="utf-8")
        (HERE / f"{name}.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, spec in DOCX_LETTERS.items():
        if not (HERE / f"{name}.docx").exists():  # written once: a rewrite changes only the ZIP's timestamps
            write_docx(name, spec)
        (HERE / f"{name}.json").write_text(json.dumps(spec["expected"], ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    for name, spec in PDF_LETTERS.items():
        if not (HERE / f"{name}.pdf").exists():
            write_pdf(name, spec)
        (HERE / f"{name}.json").write_text(json.dumps(spec["expected"], ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")
    (HERE / "scanned").mkdir(exist_ok=True)
    if not (HERE / "scanned" / "zonder-tekstlaag.pdf").exists():
        write_scanned_pdf()


if __name__ == "__main__":
    main()
