#include <QtTest/QtTest>

#include "tasks/report/results_table.h"

namespace {

using qs::ResultPoint;

// One model, six configs given out of order, two tasks; W4A16KV4 has no perplexity.
std::vector<ResultPoint> sweepPoints() {
  return {
      {"opt-125m", "W4A16KV16-g128", "lambada", "acc", 0.588, 0.007, true},
      {"opt-125m", "W3A16KV16-g128", "wikitext", "word_perplexity", 35.5, std::nullopt, false},
      {"opt-125m", "W16A16KV16", "lambada", "acc", 0.6, 0.007, true},
      {"opt-125m", "W8A8KV16", "wikitext", "word_perplexity", 20.1, std::nullopt, false},
      {"opt-125m", "W4A16KV4-g128", "lambada", "acc", 0.54, 0.0071, true},
      {"opt-125m", "W16A16KV16", "wikitext", "word_perplexity", 20.0, std::nullopt, false},
      {"opt-125m", "W8A16KV16", "lambada", "acc", 0.603, 0.007, true},
      {"opt-125m", "W3A16KV16-g128", "lambada", "acc", 0.3, 0.0065, true},
      {"opt-125m", "W8A8KV16", "lambada", "acc", 0.597, 0.007, true},
      {"opt-125m", "W4A16KV16-g128", "wikitext", "word_perplexity", 21.0, std::nullopt, false},
      {"opt-125m", "W8A16KV16", "wikitext", "word_perplexity", 19.9, std::nullopt, false},
  };
}

// Two models, one of them with an underscore in its name and an FP16 baseline.
std::vector<ResultPoint> twoModelPoints() {
  return {
      {"tiny_llama", "W4A8KV16", "lambada", "acc", 0.45, std::nullopt, true},
      {"tiny_llama", "FP16", "lambada", "acc", 0.5, std::nullopt, true},
      {"tiny_llama", "FP16", "wikitext", "word_perplexity", 10.0, std::nullopt, false},
      {"tiny_llama", "W4A8KV16", "wikitext", "word_perplexity", 12.5, std::nullopt, false},
      {"opt-125m", "W4A16KV16-g128", "lambada", "acc", 0.588, std::nullopt, true},
      {"opt-125m", "W16A16KV16", "lambada", "acc", 0.6, std::nullopt, true},
      {"opt-125m", "W16A16KV16", "wikitext", "word_perplexity", 20.0, std::nullopt, false},
      {"opt-125m", "W4A16KV16-g128", "wikitext", "word_perplexity", 21.0, std::nullopt, false},
  };
}

}  // namespace

class TestResultsTable : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void parsesBitWidths() {
    auto b = qs::parseQuantBits("W4A16KV8-g128");
    QVERIFY(b.has_value());
    QCOMPARE(b->weight, 4);
    QCOMPARE(b->activation, 16);
    QCOMPARE(b->kv, 8);
    b = qs::parseQuantBits("W8A8");
    QVERIFY(b.has_value());
    QCOMPARE(b->kv, 16);
    b = qs::parseQuantBits("KV4");
    QVERIFY(b.has_value());
    QCOMPARE(b->weight, 16);
    QCOMPARE(b->kv, 4);
    QVERIFY(qs::isBaselineQuant("FP16"));
    QVERIFY(qs::isBaselineQuant("bf16"));
    QVERIFY(qs::isBaselineQuant("W16A16KV16-g128"));
    QVERIFY(!qs::isBaselineQuant("W4A16KV16"));
    QVERIFY(!qs::parseQuantBits("awq").has_value());
    QVERIFY(!qs::parseQuantBits("").has_value());
  }

  void rowOrderBaselineThenBitsDescending() {
    auto table = qs::buildResultsTable(sweepPoints());
    QStringList quants;
    for (const auto& r : table.rows) quants << QString::fromStdString(r.quant);
    QCOMPARE(quants, QStringList({"W16A16KV16", "W8A16KV16", "W8A8KV16", "W4A16KV16-g128", "W4A16KV4-g128",
                                  "W3A16KV16-g128"}));
    QVERIFY(table.rows[0].baseline);
    QVERIFY(!table.rows[1].baseline);
    QCOMPARE(table.columns.size(), size_t(2));
    QCOMPARE(table.columns[0].name(), std::string("lambada/acc"));
    QVERIFY(!table.columns[1].higherIsBetter);
    QVERIFY(table.warnings.empty());
  }

  void markdownAbsolute() {
    auto table = qs::buildResultsTable(sweepPoints());
    const std::string expected =
        "| Quant | lambada/acc | wikitext/word_perplexity |\n"
        "|---|---:|---:|\n"
        "| W16A16KV16 | 0.6000 | 20.0000 |\n"
        "| W8A16KV16 | 0.6030 | 19.9000 |\n"
        "| W8A8KV16 | 0.5970 | 20.1000 |\n"
        "| W4A16KV16-g128 | 0.5880 | 21.0000 |\n"
        "| W4A16KV4-g128 | 0.5400 | – |\n"
        "| W3A16KV16-g128 | 0.3000 | 35.5000 |\n";
    QCOMPARE(qs::renderMarkdown(table), expected);
  }

  // Higher-is-better: 100*(q-b)/|b|; lower-is-better: 100*(b-q)/|b|; stderr 100*se/|b|.
  void markdownRelativeWithStdError() {
    qs::TableOptions options;
    options.relative = true;
    options.withStdError = true;
    auto table = qs::buildResultsTable(sweepPoints(), options);
    const std::string expected =
        "| Quant | lambada/acc | wikitext/word_perplexity |\n"
        "|---|---:|---:|\n"
        "| W16A16KV16 | 0.6000 ± 0.0070 | 20.0000 |\n"
        "| W8A16KV16 | +0.50% ± 1.17% | +0.50% |\n"
        "| W8A8KV16 | -0.50% ± 1.17% | -0.50% |\n"
        "| W4A16KV16-g128 | -2.00% ± 1.17% | -5.00% |\n"
        "| W4A16KV4-g128 | -10.00% ± 1.18% | – |\n"
        "| W3A16KV16-g128 | -50.00% ± 1.08% | -77.50% |\n";
    QCOMPARE(qs::renderMarkdown(table), expected);
  }

  void csvAbsoluteWithStdError() {
    qs::TableOptions options;
    options.withStdError = true;
    auto table = qs::buildResultsTable(sweepPoints(), options);
    const std::string expected =
        "model,quant,lambada/acc,lambada/acc stderr,wikitext/word_perplexity,wikitext/word_perplexity stderr\n"
        "opt-125m,W16A16KV16,0.6000,0.0070,20.0000,\n"
        "opt-125m,W8A16KV16,0.6030,0.0070,19.9000,\n"
        "opt-125m,W8A8KV16,0.5970,0.0070,20.1000,\n"
        "opt-125m,W4A16KV16-g128,0.5880,0.0070,21.0000,\n"
        "opt-125m,W4A16KV4-g128,0.5400,0.0071,,\n"
        "opt-125m,W3A16KV16-g128,0.3000,0.0065,35.5000,\n";
    QCOMPARE(qs::renderCsv(table), expected);
  }

  void csvRelativeHasUnitColumn() {
    qs::TableOptions options;
    options.relative = true;
    options.metrics = {"word_perplexity"};
    auto table = qs::buildResultsTable(sweepPoints(), options);
    const std::string expected =
        "model,quant,unit,wikitext/word_perplexity\n"
        "opt-125m,W16A16KV16,absolute,20.0000\n"
        "opt-125m,W8A16KV16,percent,0.50\n"
        "opt-125m,W8A8KV16,percent,-0.50\n"
        "opt-125m,W4A16KV16-g128,percent,-5.00\n"
        "opt-125m,W3A16KV16-g128,percent,-77.50\n";
    QCOMPARE(qs::renderCsv(table), expected);
  }

  void csvQuotesSpecialFields() {
    std::vector<ResultPoint> points = {{"a,b \"x\"", "FP16", "t", "m", 1.0, std::nullopt, true}};
    QCOMPARE(qs::renderCsv(qs::buildResultsTable(points)), std::string("model,quant,t/m\n\"a,b \"\"x\"\"\",FP16,1.0000\n"));
  }

  void latexRelativeTwoModels() {
    qs::TableOptions options;
    options.relative = true;
    auto table = qs::buildResultsTable(twoModelPoints(), options);
    const std::string expected =
        "\\begin{tabular}{llrr}\n"
        "\\toprule\n"
        "Model & Quant & lambada/acc & wikitext/word\\_perplexity \\\\\n"
        "\\midrule\n"
        "opt-125m & W16A16KV16 & 0.6000 & 20.0000 \\\\\n"
        " & W4A16KV16-g128 & -2.00\\% & -5.00\\% \\\\\n"
        "\\midrule\n"
        "tiny\\_llama & FP16 & 0.5000 & 10.0000 \\\\\n"
        " & W4A8KV16 & -10.00\\% & -25.00\\% \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n";
    QCOMPARE(qs::renderLatex(table), expected);
  }

  void latexAbsoluteWithStdError() {
    std::vector<ResultPoint> points = {
        {"m", "FP16", "arc_easy", "acc_norm", 0.5, 0.01, true},
        {"m", "W4A16KV16", "arc_easy", "acc_norm", 0.25, 0.0125, true},
    };
    qs::TableOptions options;
    options.withStdError = true;
    const std::string expected =
        "\\begin{tabular}{lr}\n"
        "\\toprule\n"
        "Quant & arc\\_easy/acc\\_norm \\\\\n"
        "\\midrule\n"
        "FP16 & 0.5000 $\\pm$ 0.0100 \\\\\n"
        "W4A16KV16 & 0.2500 $\\pm$ 0.0125 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n";
    QCOMPARE(qs::renderLatex(qs::buildResultsTable(points, options)), expected);
  }

  void latexFloatWithChoiceAndBoldBest() {
    // Only lambada, without W3 and W4A16KV4; the best quantized lambada accuracy (W8A16KV16, 0.603)
    // is bold; the baseline row is never a candidate; caption escaped, label sanitised.
    qs::TableOptions options;
    options.tasks = {"lambada"};
    options.quants = {"W16A16KV16", "W8A16KV16", "W8A8KV16", "W4A16KV16-g128"};
    options.boldBest = true;
    options.caption = "Accuracy (%) of OPT_125m";
    options.label = "tab:acc main";
    const std::string expected =
        "\\begin{table}[t]\n"
        "\\centering\n"
        "\\caption{Accuracy (\\%) of OPT\\_125m}\n"
        "\\label{tab:accmain}\n"
        "\\begin{tabular}{lr}\n"
        "\\toprule\n"
        "Quant & lambada/acc \\\\\n"
        "\\midrule\n"
        "W16A16KV16 & 0.6000 \\\\\n"
        "W8A16KV16 & \\textbf{0.6030} \\\\\n"
        "W8A8KV16 & 0.5970 \\\\\n"
        "W4A16KV16-g128 & 0.5880 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
        "\\end{table}\n";
    QCOMPARE(qs::renderLatex(qs::buildResultsTable(sweepPoints(), options)), expected);
  }

  void boldBestFollowsTheDirectionAndRelativeSign() {
    // Perplexity: lower is best (W8A16KV16's 19.9); relative mode: the least negative loss.
    qs::TableOptions options;
    options.tasks = {"wikitext"};
    options.boldBest = true;
    auto table = qs::buildResultsTable(sweepPoints(), options);
    std::vector<std::string> bold;
    for (const auto& r : table.rows)
      if (r.cells[0] && r.cells[0]->best) bold.push_back(r.quant);
    QCOMPARE(bold, std::vector<std::string>({"W8A16KV16"}));
    options.relative = true;
    options.tasks = {};
    options.quants = {"W16A16KV16", "W8A8KV16", "W3A16KV16-g128"};  // the baseline still serves the deltas
    table = qs::buildResultsTable(sweepPoints(), options);
    QCOMPARE(table.rows.size(), size_t(3));
    const auto md = qs::renderMarkdown(table);
    QVERIFY(md.find("| W8A8KV16 | **-0.50%** | **-0.50%** |") != std::string::npos);
    QVERIFY(md.find("| W3A16KV16-g128 | -50.00% | -77.50% |") != std::string::npos);
  }

  void jsonRelative() {
    std::vector<ResultPoint> points = {
        {"m", "W4A16KV16-g128", "lambada", "acc", 0.588, 0.007, true},
        {"m", "FP16", "lambada", "acc", 0.6, 0.007, true},
        {"m", "FP16", "wikitext", "word_perplexity", 20.0, std::nullopt, false},
    };
    qs::TableOptions options;
    options.relative = true;
    options.withStdError = true;
    const std::string expected = R"({
  "mode": "relative",
  "formula": "higher-is-better: 100*(q-b)/|b|; lower-is-better: 100*(b-q)/|b|; negative = worse than the baseline b; stderr: 100*se(q)/|b|",
  "columns": [
    {
      "name": "lambada/acc",
      "task": "lambada",
      "metric": "acc",
      "higher_is_better": true
    },
    {
      "name": "wikitext/word_perplexity",
      "task": "wikitext",
      "metric": "word_perplexity",
      "higher_is_better": false
    }
  ],
  "rows": [
    {
      "model": "m",
      "quant": "FP16",
      "baseline": true,
      "cells": {
        "lambada/acc": {
          "value": 0.6,
          "stderr": 0.007,
          "unit": "absolute"
        },
        "wikitext/word_perplexity": {
          "value": 20.0,
          "unit": "absolute"
        }
      }
    },
    {
      "model": "m",
      "quant": "W4A16KV16-g128",
      "baseline": false,
      "cells": {
        "lambada/acc": {
          "value": -2.0,
          "stderr": 1.17,
          "unit": "percent"
        },
        "wikitext/word_perplexity": null
      }
    }
  ]
}
)";
    QCOMPARE(qs::renderJson(qs::buildResultsTable(points, options)), expected);
  }

  void missingBaselineWarnsAndLeavesCellsEmpty() {
    std::vector<ResultPoint> points = {{"m", "W4A16KV16", "t", "acc", 0.5, std::nullopt, true}};
    qs::TableOptions options;
    options.relative = true;
    auto table = qs::buildResultsTable(points, options);
    QCOMPARE(table.warnings.size(), size_t(1));
    QVERIFY(table.warnings[0].find("no baseline") != std::string::npos);
    QVERIFY(!table.rows[0].cells[0].has_value());
  }

  void explicitBaselineAndDuplicates() {
    std::vector<ResultPoint> points = {
        {"m", "W8A16KV16", "t", "acc", 0.5, std::nullopt, true},
        {"m", "W4A16KV16", "t", "acc", 0.4, std::nullopt, true},
        {"m", "W4A16KV16", "t", "acc", 0.1, std::nullopt, true},
    };
    qs::TableOptions options;
    options.relative = true;
    options.baseline = "W8A16KV16";
    auto table = qs::buildResultsTable(points, options);
    QCOMPARE(table.rows.size(), size_t(2));
    QCOMPARE(table.rows[0].quant, std::string("W8A16KV16"));
    QVERIFY(table.rows[0].baseline);
    QCOMPARE(table.rows[1].cells[0]->value, -20.0);  // the first duplicate is kept
    QCOMPARE(table.warnings.size(), size_t(1));
  }

  void formatNames() {
    QVERIFY(qs::tableFormatFromName("latex") == qs::TableFormat::Latex);
    QVERIFY(qs::tableFormatFromName("markdown") == qs::TableFormat::Markdown);
    QVERIFY(!qs::tableFormatFromName("xlsx").has_value());
  }
};

QTEST_GUILESS_MAIN(TestResultsTable)
#include "test_results_table.moc"
