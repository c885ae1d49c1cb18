#include "tasks/task_hooks.h"

#include <map>
#include <mutex>

namespace qs {
namespace {

struct Registries {
  std::map<std::string, DocHook> doc;
  std::map<std::string, DatasetHook> dataset;
  std::map<std::string, TextFilter> filter;
  std::map<std::string, MetricInfo> metric;
};

Registries& raw() {
  static Registries r;
  return r;
}

Registries& registries() {
  static std::once_flag once;
  std::call_once(once, [] { registerBuiltinHooks(); });
  return raw();
}

template <typename M>
const typename M::mapped_type* find(const M& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

template <typename M>
std::string names(const M& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k;
  return out;
}

}  // namespace

// Registration goes to the raw maps so that registerBuiltinHooks() can call these.
void registerDocHook(const std::string& name, DocHook hook) { raw().doc[name] = std::move(hook); }
void registerDatasetHook(const std::string& name, DatasetHook hook) { raw().dataset[name] = std::move(hook); }
void registerTextFilter(const std::string& name, TextFilter filter) { raw().filter[name] = std::move(filter); }
void registerMetric(const std::string& name, MetricInfo info) { raw().metric[name] = std::move(info); }

const DocHook* findDocHook(const std::string& name) { return find(registries().doc, name); }
const DatasetHook* findDatasetHook(const std::string& name) { return find(registries().dataset, name); }
const TextFilter* findTextFilter(const std::string& name) { return find(registries().filter, name); }
const MetricInfo* findMetric(const std::string& name) { return find(registries().metric, name); }

std::string hookNames(const std::string& kind) {
  auto& r = registries();
  if (kind == "doc") return names(r.doc);
  if (kind == "dataset") return names(r.dataset);
  if (kind == "filter") return names(r.filter);
  return names(r.metric);
}

}  // namespace qs
