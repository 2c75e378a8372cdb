
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from signport.report import Figure, Report, Section, Table, write_report

from .browser import chromium, probe_page


@pytest.fixture
def report(tmp_path):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([1, 2, 3], [3, 1, 2])
    png = tmp_path / "latency.png"
    fig.savefig(png)
    plt.close(fig)
    table = Table(["artifact", "p50 ms", "verdict"], [["executorch int8", 1.8, "PASS"], ["onnx fp32", 4.6, "FAIL (parity)"]])
    return Report("Bench", [Section("Latency", ["Host-measured, emulated."], [table], [Figure(png, "latency CDF")])])


def test_markdown_and_html_hold_the_same_table(report, tmp_path):
    paths = write_report(report, tmp_path / "out")
    md = paths["markdown"].read_text()
    page = paths["html"].read_text()
    assert "| executorch int8 | 1.8 | PASS |" in md
    assert "<td class='pass'>PASS</td>" in page and "<td class='fail'>FAIL (parity)</td>" in page
    assert (tmp_path / "out" / "report_assets" / "01_latency.png").is_file()


def test_report_renders_tables_and_images_in_chromium(report, tmp_path, missing_prerequisite):
    if chromium() is None:
        missing_prerequisite("BROWSER", "Chromium is not installed (apt-get install chromium); .ci/run installs it")
    paths = write_report(report, tmp_path / "out")
    seen = probe_page(paths["html"])
    assert seen["title"] == "Bench"
    assert seen["tables"] == [3]
    assert [img["loaded"] for img in seen["imgs"]] == [True]
    assert seen["headings"] == ["Bench", "Latency"]
