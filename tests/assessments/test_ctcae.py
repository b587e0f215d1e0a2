import json
from pathlib import Path

from assessments import ctcae
from tests.conftest import require_real_service

WORKBOOK = Path(__file__).resolve().parents[2].parent / "shared/standards/ctcae/CTCAE_v5.0.xlsx"
COMMITTED = Path(ctcae.__file__).resolve().parent / "data" / ctcae.DATA_FILE


def test_committed_file_holds_every_ctcae_v5_term():
    terms = ctcae.load_terms()
    assert len(terms) == 837
    assert len({t["meddra_code"] for t in terms}) == 837
    assert len({t["term"] for t in terms}) == 837


def test_every_term_has_the_documented_shape():
    for term in ctcae.load_terms():
        assert set(term) == {"meddra_code", "term", "soc", "grades", "definition"}
        assert term["meddra_code"].isdigit() and len(term["meddra_code"]) == 8
        assert term["term"] and term["soc"]
        assert list(term["grades"]) == ["1", "2", "3", "4", "5"]
        assert all(isinstance(text, str) for text in term["grades"].values())
        assert any(term["grades"].values())


def test_no_grade_text_is_the_workbook_dash_or_padded():
    for term in ctcae.load_terms():
        for text in (*term["grades"].values(), term["definition"], term["term"], term["soc"]):
            assert text not in {"-", "–", "—"}
            assert text == text.strip()
            assert "\xa0" not in text


def test_neutrophil_count_decreased_has_v5_grades_and_no_grade_5():
    term = ctcae.term_by_code("10029366")
    assert term["term"] == "Neutrophil count decreased"
    assert term["soc"] == "Investigations"
    assert term["grades"] == {
        "1": "<LLN - 1500/mm3; <LLN - 1.5 x 10e9 /L",
        "2": "<1500 - 1000/mm3; <1.5 - 1.0 x 10e9 /L",
        "3": "<1000 - 500/mm3; <1.0 - 0.5 x 10e9 /L",
        "4": "<500/mm3; <0.5 x 10e9 /L",
        "5": "",
    }


def test_platelet_count_decreased_has_v5_grades_and_no_grade_5():
    term = ctcae.term_by_code("10035528")
    assert term["term"] == "Platelet count decreased"
    assert term["grades"]["1"] == "<LLN - 75,000/mm3; <LLN - 75.0 x 10e9 /L"
    assert term["grades"]["4"] == "<25,000/mm3; <25.0 x 10e9 /L"
    assert term["grades"]["5"] == ""


def test_anemia_is_graded_to_death_with_a_definition():
    term = ctcae.term_by_code("10002272")
    assert term["term"] == "Anemia"
    assert term["soc"] == "Blood and lymphatic system disorders"
    assert term["grades"]["1"] == (
        "Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L"
    )
    assert term["grades"]["3"] == "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated"
    assert term["grades"]["5"] == "Death"
    assert term["definition"].startswith("A disorder characterized by a reduction")


def test_terms_whose_lower_grades_do_not_exist_are_empty_strings():
    leukocytosis = ctcae.term_by_code("10024378")
    assert leukocytosis["term"] == "Leukocytosis"
    assert leukocytosis["grades"]["1"] == leukocytosis["grades"]["2"] == ""
    assert leukocytosis["grades"]["3"] == ">100,000/mm3"


def test_other_specify_terms_have_no_definition():
    term = ctcae.term_by_code("10005329")
    assert term["term"] == "Blood and lymphatic system disorders - Other, specify"
    assert term["definition"] == ""


def test_multi_paragraph_grades_keep_their_line_breaks_without_padding():
    hearing = next(t for t in ctcae.load_terms() if t["term"] == "Hearing impaired")
    assert "ear;\n\nAdults not enrolled" in hearing["grades"]["1"]


def test_term_by_code_accepts_an_int_and_returns_none_when_unknown():
    assert ctcae.term_by_code(10029366)["term"] == "Neutrophil count decreased"
    assert ctcae.term_by_code("99999999") is None


def test_callers_cannot_corrupt_the_cached_terms():
    ctcae.term_by_code("10029366")["grades"]["5"] = "tampered"
    ctcae.load_terms()[0]["term"] = "tampered"
    assert ctcae.term_by_code("10029366")["grades"]["5"] == ""
    assert ctcae.load_terms()[0]["term"] == "Anemia"


def test_committed_file_is_sorted_and_serialised_stably():
    text = COMMITTED.read_text(encoding="utf-8")
    terms = json.loads(text)
    assert terms == sorted(terms, key=lambda t: (t["soc"].casefold(), t["term"].casefold()))
    assert ctcae.dumps(terms) == text


def test_committed_file_equals_a_fresh_conversion_of_the_nci_workbook(tmp_path):
    require_real_service(WORKBOOK.exists(), f"The NCI workbook at {WORKBOOK}")
    assert ctcae.convert_workbook(WORKBOOK) == json.loads(COMMITTED.read_text(encoding="utf-8"))

    output = tmp_path / "ctcae_v5.json"
    ctcae.main([str(WORKBOOK), "--output", str(output)])
    assert output.read_bytes() == COMMITTED.read_bytes()
