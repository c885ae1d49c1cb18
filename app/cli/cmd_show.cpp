// quantscope-cli show: everything stored about one run.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/base/json_text.h"
#include "app/cli/store_cli.h"
#include "tasks/report/item_export.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli show DB RUN [--items | --items-jsonl FILE]

Prints run RUN (its id, as listed by 'quantscope-cli runs') of the experiment database DB:
model, quant config, task, measurement protocol, software versions, device and timings, error,
metrics and log.

options:
  --items              also list the run's items: document, score, chosen / gold answer,
                       log-likelihoods, generated text (shortened)
  --items-jsonl FILE   write the items as JSON Lines to FILE ("-" = standard output) instead of
                       printing the run; one object per item with run, task, quant, doc_index,
                       doc_id, score, chosen, gold, loglikelihoods, greedy, tokens, outputs, metrics
  -h, --help           this text

Runs stored before schema version 5 have no items.

examples:
  quantscope-cli show sweep.qsdb 12
  quantscope-cli show sweep.qsdb 12 --items
  quantscope-cli show sweep.qsdb 12 --items-jsonl run12.jsonl
)help";

std::string number(double v, const char* format = "%.6g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string shortened(std::string text, size_t max) {
  for (char& c : text)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

void printItems(const std::vector<ItemRecord>& items) {
  std::cout << "\nItems\n";
  if (items.empty()) {
    std::cout << "  (none stored: the run predates per-item results, or its task records none)\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& it : items) {
    std::string lls;
    for (size_t i = 0; i < it.loglikelihoods.size() && i < 6; ++i) lls += (i ? " " : "") + number(it.loglikelihoods[i], "%.3f");
    if (it.loglikelihoods.size() > 6) lls += " ...";
    std::string answer = it.chosen ? std::to_string(*it.chosen) + (it.gold ? "/" + std::to_string(*it.gold) : "") : "-";
    rows.push_back({"  " + std::to_string(it.item), std::to_string(it.docIndex) + (it.docId.empty() ? "" : " " + it.docId),
                    it.score ? number(*it.score, "%.4g") : "-", answer, lls.empty() ? "-" : lls,
                    it.outputs.empty() ? "-" : shortened(it.outputs.front(), 60)});
  }
  std::cout << textTable({"  ITEM", "DOC", "SCORE", "CHOSEN/GOLD", "LOGLIKELIHOODS", "OUTPUT"}, rows);
}

// Pretty JSON, indented under a section; the raw text when it is not JSON.
std::string indentedJson(const std::string& text) {
  std::string pretty = text;
  try {
    pretty = parseJson(text, "stored JSON").dump(2);
  } catch (const Error&) {
    // stored verbatim by an older or foreign writer: show it as it is
  }
  std::string out = "  ";
  for (char c : pretty) out += c == '\n' ? std::string("\n  ") : std::string(1, c);
  return out + "\n";
}

std::string versions(const std::string& text) {
  try {
    auto j = parseJson(text, "stored versions");
    if (!j.is_object() || j.empty()) return "  (none recorded)\n";
    std::vector<std::vector<std::string>> rows;
    for (auto& [k, v] : j.items()) rows.push_back({"  " + k, v.is_string() ? v.get<std::string>() : v.dump()});
    std::string table = textTable({"", ""}, rows);
    return table.substr(table.find('\n') + 1);
  } catch (const std::exception&) {
    return indentedJson(text);
  }
}

void printRun(const ExperimentStore& store, const RunRecord& r) {
  auto model = store.model(r.modelId);
  std::cout << "Run " << r.id << "  " << runStatusName(r.status) << "\n";
  std::vector<std::vector<std::string>> rows;
  if (model) {
    rows.push_back({"  model", model->path});
    std::string size = model->parameters > 0 ? number(model->parameters / 1e6, "%.1f") + "M parameters, " : "";
    rows.push_back({"  family", model->family + ", " + size + model->dtype});
    rows.push_back({"  fingerprint", model->fingerprint});
  }
  rows.push_back({"  quant", r.quantName});
  rows.push_back({"  task", r.task + " (version " + r.taskVersion + ")"});
  rows.push_back({"  limit", r.limit ? std::to_string(r.limit) + " examples" : "all examples"});
  rows.push_back({"  seed", std::to_string(r.seed)});
  if (!r.shard.empty()) rows.push_back({"  shard", r.shard});
  rows.push_back({"  protocol", r.protocol.empty() ? "(not recorded: stored before schema version 5)" : r.protocol});
  std::string table = textTable({"", ""}, rows);
  std::cout << table.substr(table.find('\n') + 1);

  std::cout << "\nQuant config\n" << indentedJson(r.quantJson);
  std::cout << "\nSoftware\n" << versions(r.softwareVersions);

  rows = {{"  device", r.device.empty() ? "-" : r.device},
          {"  started", r.startedAt.empty() ? "-" : r.startedAt},
          {"  finished", r.finishedAt.empty() ? "-" : r.finishedAt},
          {"  wall", number(r.wallSeconds, "%.2f") + " s"}};
  std::string tokens = std::to_string(r.tokensProcessed);
  if (r.wallSeconds > 0 && r.tokensProcessed > 0)
    tokens += " (" + number(r.tokensProcessed / r.wallSeconds, "%.1f") + " tokens/s)";
  rows.push_back({"  tokens", tokens});
  table = textTable({"", ""}, rows);
  std::cout << "\nTiming\n" << table.substr(table.find('\n') + 1);
  if (!r.errorText.empty()) std::cout << "\nError\n  " << r.errorText << "\n";

  rows.clear();
  for (const auto& m : store.metrics(r.id))
    rows.push_back({"  " + m.name, number(m.value), m.stdError ? number(*m.stdError) : "-",
                    m.samples ? std::to_string(*m.samples) : "-", m.higherIsBetter ? "higher" : "lower"});
  std::cout << "\nMetrics\n";
  if (rows.empty()) std::cout << "  (none)\n";
  else std::cout << textTable({"  NAME", "VALUE", "STDERR", "N", "BETTER"}, rows);

  std::cout << "\nLog\n";
  auto logs = store.logs(r.id);
  if (logs.empty()) std::cout << "  (empty)\n";
  rows.clear();
  for (const auto& l : logs) rows.push_back({"  " + l.time, l.level, l.text});
  if (!rows.empty()) {
    table = textTable({"", "", ""}, rows);
    std::cout << table.substr(table.find('\n') + 1);
  }
}

int runShow(const std::vector<std::string>& argv) {
  return guarded("show", [&] {
    Args args(argv, {"items-jsonl"}, {"items"});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    if (args.positional().size() != 2) throw UsageError("expected a database file and a run id");
    const std::string& idText = args.positional()[1];
    int64_t id = 0;
    auto [ptr, ec] = std::from_chars(idText.data(), idText.data() + idText.size(), id);
    if (ec != std::errc() || ptr != idText.data() + idText.size())
      throw UsageError("the run id must be a number, got '" + idText + "'");
    auto store = openStore(args.positional()[0], ExperimentStore::Mode::ReadOnly);
    auto run = store.run(id);
    if (!run) throw BadInput(store.file().string() + ": no run with id " + idText);
    if (auto file = args.value("items-jsonl")) {
      auto items = store.items(id);
      if (*file == "-") {
        writeItemsJsonl(std::cout, *run, items);
      } else {
        std::ofstream out(*file);
        if (!out) throw Error("cannot write " + *file);
        writeItemsJsonl(out, *run, items);
        if (!out.flush()) throw Error("writing " + *file + " failed");
        std::cerr << items.size() << " item(s) of run " << id << " written to " << *file << "\n";
      }
      return int(kOk);
    }
    printRun(store, *run);
    if (args.has("items")) printItems(store.items(id));
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"show", "show one run: config, protocol, versions, timings, metrics, log, items", kHelp, runShow});

}  // namespace
}  // namespace qs::cli
