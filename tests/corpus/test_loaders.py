"""Every supported file type yields its text; bad files are refused by `vejviser corpus add` and change nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.channels.cli.main import main
from bot.core.errors import DocumentError
from corpus.loaders import read_text

BODY = ("Tolkebistand bestilles af sagsbehandleren, når borgeren ikke taler dansk. "
        "Borgeren betaler ikke selv for tolken, og tolken bestilles senest fem hverdage før mødet.")


def make_pdf(path: Path, lines: list[str] | None) -> Path:
    """A PDF with the given text lines, or (None) a 'scanned' page holding only a drawn picture and no text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4)
    if lines is None:
        for row in range(40):  # grey stripes, as a scan without a text layer would be
            page.setFillGray(0.2 + (row % 5) / 10)
            page.rect(50, 60 + row * 18, 480, 9, stroke=0, fill=1)
    else:
        y = 780
        for line in lines:
            page.drawString(60, y, line)
            y -= 18
    page.showPage()
    page.save()
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Retningslinjer for tolkebistand", level=1)
    document.add_heading("Bestilling", level=2)
    document.add_paragraph(BODY)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Tolketype", "Pris pr. time"
    table.cell(1, 0).text, table.cell(1, 1).text = "Telefontolk", "300 kr."
    document.save(str(path))
    return path


HTML = f"""<!doctype html><html><head><title>Tolke</title><style>p {{ color: red }}</style>
<script>var tracking = "skal ikke med";</script></head>
<body><nav>Forside | Kontakt | Menu</nav>
<h1>Retningslinjer for tolkebistand</h1><h2>Bestilling</h2><p>{BODY}</p>
<ul><li>Fremmødetolk</li><li>Telefontolk</li></ul>
<table><tr><th>Tolketype</th><th>Pris pr. time</th></tr><tr><td>Telefontolk</td><td>300 kr.</td></tr></table>
<footer>Københavns Kommune · cookiepolitik</footer></body></html>"""


def test_txt_in_utf8_and_windows_1252(tmp_path: Path) -> None:
    utf8 = tmp_path / "notat.txt"
    utf8.write_text("\ufeff" + BODY, encoding="utf-8")
    assert read_text(utf8) == BODY
    legacy = tmp_path / "gammelt.txt"
    legacy.write_bytes(BODY.encode("cp1252"))
    assert read_text(legacy) == BODY


def test_markdown_keeps_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "notat.md"
    path.write_text(f"# Retningslinjer for tolkebistand\n\n{BODY}\n", encoding="utf-8")
    assert read_text(path) == f"# Retningslinjer for tolkebistand\n\n{BODY}\n"


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "notat.pdf", ["Retningslinjer for tolkebistand", "Tolkebistand bestilles af sagsbehandleren,",
                                             "og borgeren betaler ikke selv for tolken."])
    text = read_text(path)
    assert "Retningslinjer for tolkebistand" in text and "borgeren betaler ikke selv for tolken" in text


def test_docx_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    text = read_text(make_docx(tmp_path / "notat.docx"))
    assert "# Retningslinjer for tolkebistand" in text and "## Bestilling" in text
    assert BODY in text
    assert "Tolketype\tPris pr. time\nTelefontolk\t300 kr." in text.replace("\n\n", "\n")


def test_html_without_scripts_navigation_or_footer(tmp_path: Path) -> None:
    path = tmp_path / "side.html"
    path.write_text(HTML, encoding="utf-8")
    text = read_text(path)
    assert "# Retningslinjer for tolkebistand" in text and "## Bestilling" in text and BODY in text
    assert "- Telefontolk" in text and "Tolketype\tPris pr. time" in text
    for noise in ("skal ikke med", "color: red", "Forside | Kontakt", "cookiepolitik"):
        assert noise not in text


# ---------------------------------------------------------------------- `vejviser corpus add`


@pytest.fixture
def cli_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir for the CLI with the fast hashing embedder and its index already built."""
    from bot.answering.engine import AnswerEngine
    from bot.core.settings import Settings

    data_dir = tmp_path / "data"
    monkeypatch.setenv("VEJVISER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("VEJVISER_EMBEDDER", "hashing")
    monkeypatch.chdir(tmp_path)  # no project .env is read
    AnswerEngine.load(Settings(_env_file=None, data_dir=data_dir, embedder="hashing"))
    return data_dir


def snapshot(data_dir: Path) -> dict[str, str]:
    """Every file under the data dir with its checksum: what 'nothing changed' means."""
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file()}


def test_corpus_add_accepts_every_supported_type(cli_data_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sources = tmp_path / "in"
    sources.mkdir()
    (sources / "notat.txt").write_text(f"Notat om tolke\n\n{BODY}\n", encoding="utf-8")
    (sources / "notat.md").write_text(f"# Retningslinjer for tolkebistand\n\n{BODY}\n", encoding="utf-8")
    (sources / "side.html").write_text(HTML, encoding="utf-8")
    make_pdf(sources / "notat.pdf", ["Retningslinjer for tolkebistand i Socialforvaltningen",
                                     "Tolkebistand bestilles af sagsbehandleren, og borgeren betaler",
                                     "ikke selv for tolken, som bestilles senest fem hverdage før mødet."])
    make_docx(sources / "notat.docx")
    paths = sorted(sources.iterdir())
    assert main(["corpus", "add", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert out.count("added ") == len(paths)
    added = sorted(p.name for p in (cli_data_dir / "documents").glob("*.txt"))
    assert len(added) == len(paths)
    manifest = (cli_data_dir / "index" / "manifest.json").read_text()
    assert main(["corpus", "list"]) == 0
    assert sum("notat" in line or "side" in line for line in capsys.readouterr().out.splitlines()) == len(paths)
    assert manifest  # the index was saved with the new documents


BAD_FILES = {
    "empty": ("tom.txt", b"", "empty"),
    "binary garbage": ("skrald.txt", bytes(range(256)) * 8, "not UTF-8 or Windows-1252"),
    "garbage named .pdf": ("skrald.pdf", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "pdf"),
    "garbage named .docx": ("skrald.docx", b"PK\x03\x04 not really a zip", "docx"),
    "unsupported type": ("regneark.xlsx", b"PK\x03\x04", "unsupported file type"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_corpus_add_refuses_a_bad_file_and_changes_nothing(case: str, cli_data_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    name, content, reason = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content)
    _refused(path, reason, cli_data_dir, capsys)


def test_corpus_add_refuses_a_scanned_pdf_without_text(cli_data_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = make_pdf(tmp_path / "scannet.pdf", None)
    _refused(path, "scanned without a text layer", cli_data_dir, capsys)


def test_corpus_add_refuses_a_missing_path(cli_data_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _refused(tmp_path / "findes-ikke.docx", "no such file", cli_data_dir, capsys)


def _refused(path: Path, reason: str, data_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    before = snapshot(data_dir)
    assert main(["corpus", "add", str(path)]) == 2
    captured = capsys.readouterr()
    assert path.name in captured.err and reason.lower() in captured.err.lower(), captured.err
    assert "Nothing was changed" in captured.err and "Traceback" not in captured.err
    assert "added" not in captured.out
    assert snapshot(data_dir) == before


def test_a_good_and_a_bad_file_together(cli_data_dir: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "notat.md"
    good.write_text(f"# Retningslinjer for tolkebistand\n\n{BODY}\n", encoding="utf-8")
    bad = tmp_path / "tom.md"
    bad.write_bytes(b"")
    assert main(["corpus", "add", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "added notat" in captured.out and "tom.md" in captured.err
    assert [p.name for p in (cli_data_dir / "documents").glob("*.txt")] == ["notat.txt"]


def test_read_text_errors_are_document_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="contains no readable text"):
        path = tmp_path / "tal.txt"
        path.write_text("12 34 56 -- !!", encoding="utf-8")
        read_text(path)
