#include "quant/quant_config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "core/base/error.h"

namespace qs {
namespace {

bool inRange(int layer, const std::optional<int>& first, const std::optional<int>& last) {
  if (!first) return true;
  return layer >= *first && layer <= last.value_or(*first);
}

// Digits only, no sign, at most 9 of them; nullopt otherwise.
std::optional<int64_t> parseCount(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string granularityToken(const QuantSpec& s) {
  switch (s.granularity) {
    case Granularity::PerGroup:
      return "g" + std::to_string(s.groupSize);
    case Granularity::PerTensor:
      return "pt";
    case Granularity::PerChannel:
      return "pc";
    case Granularity::PerToken:
      return "ptok";  // never printed: per-token is the activation default
  }
  return "?";
}

// A format's spec when the name gives no granularity: NF4 groups of 64 (QLoRA's block), FP8 one
// scale per channel (per token for activations), MX its fixed 32-element blocks.
QuantSpec defaultSpecOfFormat(NumberFormat format, QuantSpec (*make)(int)) {
  const QuantSpec base = make(8);  // the tensor type's default layout
  if (format == NumberFormat::Nf4 && base.granularity == Granularity::PerGroup)
    return QuantSpec::ofFormat(format, Granularity::PerGroup, 64);
  if (isFp8(format) && base.granularity == Granularity::PerGroup)
    return QuantSpec::ofFormat(format, Granularity::PerChannel);
  return QuantSpec::ofFormat(format, base.granularity, base.groupSize);
}

// Whether a granularity token applies to the spec: quantized and not an MX format (fixed blocks).
bool hasGranularity(const QuantSpec& s) { return s.enabled() && !isMicroscaling(s.format); }

std::string bitsToken(const QuantSpec& s) {
  return s.format == NumberFormat::Int ? std::to_string(s.bits) : std::string(formatName(s.format));
}

class NameParser {
 public:
  explicit NameParser(std::string_view name) : name_(name) {}

  QuantConfig run();

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("quant config '" + std::string(name_) + "': " + what);
  }
  void parseBits(std::string_view bits);
  void parseToken(std::string_view token);
  std::optional<QuantSpec> granularityOf(std::string_view token, std::string_view full);
  void setOnce(std::optional<QuantSpec>& slot, const QuantSpec& value, std::string_view token);
  void setFlagOnce(bool& flag, std::string_view token);
  QuantSpec& requireOn(QuantSpec& spec, std::string_view label, std::string_view token);
  QuantSpec& requireGrouped(QuantSpec& spec, std::string_view label, std::string_view token);
  QuantSpec& requireInt(QuantSpec& spec, std::string_view label, std::string_view token);
  LayerRule parseRule(std::string_view token);
  LayerRule parsePrecisionRule(std::string_view token);
  void parseLayerRange(LayerRule& rule, std::string_view layers, std::string_view token);

  std::string_view name_;
  QuantConfig config_;
  std::optional<QuantSpec> sharedGran_, weightGran_, kvGran_, actGran_;
  bool symW_ = false, asymA_ = false, symKv_ = false;
  bool asymW_ = false, symA_ = false, asymKv_ = false;
  bool zeroAll_ = false, zeroW_ = false, zeroA_ = false, zeroKv_ = false;
  std::optional<std::string> method_;
  std::vector<std::string> seen_;
};

void NameParser::parseBits(std::string_view bits) {
  size_t pos = 0;
  bool any = false;
  auto part = [&](std::string_view prefix, const char* label, QuantSpec (*make)(int)) {
    if (bits.substr(pos, prefix.size()) != prefix) return QuantSpec::off();
    pos += prefix.size();
    any = true;
    size_t end = pos;
    if (end < bits.size() && std::islower(static_cast<unsigned char>(bits[end]))) {
      // A format name: lower-case letters and digits up to the next part's capital letter.
      while (end < bits.size() && (std::islower(static_cast<unsigned char>(bits[end])) ||
                                   std::isdigit(static_cast<unsigned char>(bits[end]))))
        ++end;
      const std::string_view token = bits.substr(pos, end - pos);
      auto format = formatFromName(token);
      if (!format || *format == NumberFormat::Int)
        fail("'" + std::string(prefix) + "' must be followed by the " + label + " bit width or a format name " +
             "(fp8e4m3, fp8e5m2, nf4, mxfp4, mxfp6, mxfp6e3m2, mxint8), got '" + std::string(token) + "'");
      pos = end;
      return defaultSpecOfFormat(*format, make);
    }
    while (end < bits.size() && std::isdigit(static_cast<unsigned char>(bits[end]))) ++end;
    auto value = parseCount(bits.substr(pos, end - pos));
    if (!value)
      fail(std::string("'") + std::string(prefix) + "' must be followed by the " + label +
           " bit width or a format name");
    if (*value != 16 && (*value < 2 || *value > 8))
      fail(std::string(label) + " bits must be 2..8 or 16, got " + std::to_string(*value));
    pos = end;
    return *value == 16 ? QuantSpec::off() : make(static_cast<int>(*value));
  };
  config_.weight = part("W", "weight", &QuantConfig::defaultWeight);
  config_.activation = part("A", "activation", &QuantConfig::defaultActivation);
  config_.kv = part("KV", "KV cache", &QuantConfig::defaultKv);
  if (!any || pos != bits.size())
    fail("the bit-width part '" + std::string(bits) + "' must read W<b>A<b>KV<b> in this order" +
         (any ? ", unexpected '" + std::string(bits.substr(pos)) + "'" : std::string()) +
         " (b = 2..8, 16 or a format name; omitted parts are 16)");
}

std::optional<QuantSpec> NameParser::granularityOf(std::string_view token, std::string_view full) {
  if (token == "pc") return QuantSpec{8, Granularity::PerChannel};
  if (token == "pt") return QuantSpec{8, Granularity::PerTensor};
  if (token.size() >= 2 && token[0] == 'g' && std::isdigit(static_cast<unsigned char>(token[1]))) {
    auto n = parseCount(token.substr(1));
    if (!n || *n < 1) fail("group size in '" + std::string(full) + "' must be a positive integer");
    return QuantSpec{8, Granularity::PerGroup, *n};
  }
  return std::nullopt;
}

void NameParser::setOnce(std::optional<QuantSpec>& slot, const QuantSpec& value, std::string_view token) {
  if (slot) fail("granularity '" + std::string(token) + "' conflicts with an earlier one for the same tensor type");
  slot = value;
}

void NameParser::setFlagOnce(bool& flag, std::string_view token) {
  if (flag) fail("'" + std::string(token) + "' is given twice");
  flag = true;
}

QuantSpec& NameParser::requireOn(QuantSpec& spec, std::string_view label, std::string_view token) {
  if (!spec.enabled())
    fail("'" + std::string(token) + "' applies to " + std::string(label) + ", which are not quantized (16 bits)");
  return spec;
}

QuantSpec& NameParser::requireGrouped(QuantSpec& spec, std::string_view label, std::string_view token) {
  requireOn(spec, label, token);
  if (isMicroscaling(spec.format))
    fail("'" + std::string(token) + "': " + std::string(label) + " are " + std::string(formatName(spec.format)) +
         ", which has fixed 32-element blocks");
  return spec;
}

QuantSpec& NameParser::requireInt(QuantSpec& spec, std::string_view label, std::string_view token) {
  requireOn(spec, label, token);
  if (spec.format != NumberFormat::Int)
    fail("'" + std::string(token) + "': " + std::string(label) + " are " + std::string(formatName(spec.format)) +
         ", sign-magnitude with no zero point");
  return spec;
}

LayerRule NameParser::parseRule(std::string_view token) {
  LayerRule rule;
  rule.include = token.substr(0, 5) == "incl.";
  std::string_view rest = token.substr(5);
  std::string_view target = rest.substr(0, rest.find('.'));
  std::string_view layers = target.size() < rest.size() ? rest.substr(target.size() + 1) : std::string_view();
  if (target == "kv") {
    rule.kvCache = true;
  } else if (target != "all") {
    auto role = roleFromName(target);
    if (!role || !isLinearRole(*role))
      fail("rule '" + std::string(token) + "': '" + std::string(target) +
           "' is not a linear layer role (q_proj, down_proj, lm_head, router, ...), 'kv' or 'all'");
    rule.role = role;
  }
  if (layers.empty()) {
    if (target.size() < rest.size()) fail("rule '" + std::string(token) + "' ends with '.'");
    return rule;
  }
  parseLayerRange(rule, layers, token);
  return rule;
}

void NameParser::parseLayerRange(LayerRule& rule, std::string_view layers, std::string_view token) {
  if (layers[0] != 'L')
    fail("rule '" + std::string(token) + "': layer range must read L<first> or L<first>to<last>");
  layers.remove_prefix(1);
  auto to = layers.find("to");
  auto first = parseCount(layers.substr(0, to));
  auto last = to == std::string_view::npos ? first : parseCount(layers.substr(to + 2));
  if (!first || !last || *last < *first)
    fail("rule '" + std::string(token) + "': layer range must read L<first> or L<first>to<last> with first <= last");
  rule.firstLayer = static_cast<int>(*first);
  rule.lastLayer = static_cast<int>(*last);
}

// "w8.L0", "wnf4.down_proj.L2to5": an element type, then a role and / or a layer range.
LayerRule NameParser::parsePrecisionRule(std::string_view token) {
  const std::string t(token);
  const size_t dot = token.find('.');
  const std::string_view type = token.substr(1, dot == std::string_view::npos ? dot : dot - 1);
  LayerRule rule;
  rule.include = true;
  if (std::isdigit(static_cast<unsigned char>(type[0]))) {
    auto bits = parseCount(type);
    if (!bits || *bits < 2 || *bits > 8)
      fail("precision rule '" + t + "': bits must be 2..8 (an excl rule keeps weights at 16 bits)");
    rule.weightBits = static_cast<int>(*bits);
  } else {
    rule.weightFormat = *formatFromName(type);
    rule.weightBits = formatBits(rule.weightFormat);
  }
  if (dot == std::string_view::npos)
    fail("precision rule '" + t + "' needs a role or a layer range (the W part sets every layer), e.g. '" + t + ".L0'");
  std::string_view rest = token.substr(dot + 1);
  if (rest.empty()) fail("rule '" + t + "' ends with '.'");
  if (rest[0] != 'L') {
    const std::string_view target = rest.substr(0, rest.find('.'));
    if (target != "all") {
      auto role = roleFromName(target);
      if (!role || !isLinearRole(*role))
        fail("precision rule '" + t + "': '" + std::string(target) +
             "' is not a linear layer role (q_proj, down_proj, lm_head, ...) or 'all'");
      rule.role = role;
    }
    rest = target.size() < rest.size() ? rest.substr(target.size() + 1) : std::string_view();
    if (rest.empty()) {
      if (token.back() == '.') fail("rule '" + t + "' ends with '.'");
      if (!rule.role) fail("precision rule '" + t + "' needs a role or a layer range");
      return rule;
    }
  }
  parseLayerRange(rule, rest, token);
  return rule;
}

void NameParser::parseToken(std::string_view token) {
  if (token.empty()) fail("empty part (two '-' in a row or a trailing '-')");
  const std::string t(token);
  if (t.rfind("incl.", 0) == 0 || t.rfind("excl.", 0) == 0) {
    config_.rules.push_back(parseRule(token));
    return;
  }
  if (t.size() > 1 && t[0] == 'w') {
    const std::string type = t.substr(1, t.find('.') == std::string::npos ? std::string::npos : t.find('.') - 1);
    const auto format = formatFromName(type);
    if (std::isdigit(static_cast<unsigned char>(t[1])) || (format && *format != NumberFormat::Int)) {
      config_.rules.push_back(parsePrecisionRule(token));
      return;
    }
  }
  if (t == "gptqzero") return setFlagOnce(zeroAll_, token);
  if (t == "gptqzeroW") return setFlagOnce(zeroW_, token);
  if (t == "gptqzeroA") return setFlagOnce(zeroA_, token);
  if (t == "gptqzeroKV") return setFlagOnce(zeroKv_, token);
  if (t == "symW") return setFlagOnce(symW_, token);
  if (t == "asymW") return setFlagOnce(asymW_, token);
  if (t == "symA") return setFlagOnce(symA_, token);
  if (t == "asymA") return setFlagOnce(asymA_, token);
  if (t == "symKV") return setFlagOnce(symKv_, token);
  if (t == "asymKV") return setFlagOnce(asymKv_, token);
  const auto& methods = QuantConfig::knownMethods();
  if (std::find(methods.begin(), methods.end(), t) != methods.end()) {
    if (method_) fail("method '" + t + "' given after method '" + *method_ + "'");
    method_ = t;
    return;
  }
  if (auto g = granularityOf(token, token)) return setOnce(sharedGran_, *g, token);
  if (t.rfind("kv", 0) == 0)
    if (auto g = granularityOf(token.substr(2), token)) return setOnce(kvGran_, *g, token);
  if (t.rfind("w", 0) == 0)
    if (auto g = granularityOf(token.substr(1), token)) return setOnce(weightGran_, *g, token);
  if (t.rfind("a", 0) == 0)
    if (auto g = granularityOf(token.substr(1), token)) {
      if (g->granularity == Granularity::PerChannel)
        fail("'apc': activations are quantized per token ('-ag<N>' groups, '-apt' per tensor)");
      return setOnce(actGran_, *g, token);
    }
  fail("unknown part '" + t +
       "' (expected g<N>, pc, pt, w<...>/kv<...> granularity, ag<N>, apt, symW, asymA, symKV, "
       "gptqzero[W|A|KV], a method (awq, smoothquant, gptq, quarot) or an incl./excl. layer rule)");
}

QuantConfig NameParser::run() {
  if (name_.empty()) fail("empty name");
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t dash = name_.find('-', start);
    parts.push_back(name_.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts[0] == "FP16") {
    if (parts.size() > 1) fail("FP16 (nothing quantized) takes no further parts");
    return QuantConfig{};
  }
  parseBits(parts[0]);
  if (parts.size() == 1 && !config_.quantizesAnything()) return QuantConfig{};  // W16A16KV16 = FP16
  for (size_t i = 1; i < parts.size(); ++i) parseToken(parts[i]);

  auto applyGran = [](QuantSpec& spec, const QuantSpec& g) {
    spec.granularity = g.granularity;
    spec.groupSize = g.groupSize;
  };
  QuantConfig& c = config_;
  if (sharedGran_) {
    if (!hasGranularity(c.weight) && !hasGranularity(c.kv))
      fail("granularity '" + granularityToken(*sharedGran_) + "' given but neither weights nor KV cache are quantized" +
           " with a format that takes one (MX formats have fixed 32-element blocks)");
    if (hasGranularity(c.weight)) applyGran(c.weight, *sharedGran_);
    if (hasGranularity(c.kv)) applyGran(c.kv, *sharedGran_);
  }
  if (weightGran_) applyGran(requireGrouped(c.weight, "weights", "w" + granularityToken(*weightGran_)), *weightGran_);
  if (kvGran_) applyGran(requireGrouped(c.kv, "the KV cache", "kv" + granularityToken(*kvGran_)), *kvGran_);
  if (actGran_) applyGran(requireGrouped(c.activation, "activations", "a" + granularityToken(*actGran_)), *actGran_);
  if (symW_ && asymW_) fail("both 'symW' and 'asymW'");
  if (symA_ && asymA_) fail("both 'symA' and 'asymA'");
  if (symKv_ && asymKv_) fail("both 'symKV' and 'asymKV'");
  if (symW_ || asymW_) requireInt(c.weight, "weights", symW_ ? "symW" : "asymW").symmetric = symW_;
  if (symA_ || asymA_) requireInt(c.activation, "activations", symA_ ? "symA" : "asymA").symmetric = symA_;
  if (symKv_ || asymKv_) requireInt(c.kv, "the KV cache", symKv_ ? "symKV" : "asymKV").symmetric = symKv_;

  auto gptq = [&](QuantSpec& spec, std::string_view label, std::string_view token) {
    requireOn(spec, label, token);
    if (spec.symmetric) fail("'" + std::string(token) + "': " + std::string(label) + " are symmetric (no zero point)");
    spec.zeroPoint = ZeroPoint::GptqRangeIncludesZero;
  };
  if (zeroAll_) {
    bool any = false;
    for (QuantSpec* s : {&c.weight, &c.activation, &c.kv})
      if (s->enabled() && !s->symmetric) {
        s->zeroPoint = ZeroPoint::GptqRangeIncludesZero;
        any = true;
      }
    if (!any) fail("'gptqzero' given but no quantized tensor type is asymmetric");
  }
  if (zeroW_) gptq(c.weight, "weights", "gptqzeroW");
  if (zeroA_) gptq(c.activation, "activations", "gptqzeroA");
  if (zeroKv_) gptq(c.kv, "the KV cache", "gptqzeroKV");
  if (method_) c.method = *method_;

  if (!c.quantizesAnything()) fail("nothing is quantized (all parts are 16 bits): write FP16 without further parts");
  try {
    c.validate();
  } catch (const Error& e) {
    fail(e.what());
  }
  return c.normalized();
}

}  // namespace

bool LayerRule::matchesLinear(int layer, TensorRole r) const {
  return !kvCache && (!role || *role == r) && inRange(layer, firstLayer, lastLayer);
}

bool LayerRule::matchesKv(int layer) const {
  return !isPrecisionRule() && (kvCache || !role) && inRange(layer, firstLayer, lastLayer);
}

LayerRule LayerRule::precision(int bits, std::optional<TensorRole> role, std::optional<int> first,
                               std::optional<int> last, NumberFormat format) {
  LayerRule r;
  r.include = true;
  r.role = role;
  r.firstLayer = first;
  r.lastLayer = last;
  r.weightFormat = format;
  r.weightBits = format == NumberFormat::Int ? bits : formatBits(format);
  return r;
}

QuantSpec LayerRule::weightSpec(const QuantSpec& base) const {
  QuantSpec s = base;
  if (weightFormat == NumberFormat::Int && base.format != NumberFormat::Int) {
    s.symmetric = false;  // the integer default; a sign-magnitude W spec says nothing about it
    s.zeroPoint = ZeroPoint::Reference;
  }
  s.format = weightFormat;
  s.bits = weightBits;
  return s.normalized();
}

std::string LayerRule::token() const {
  std::string t;
  if (isPrecisionRule()) {
    t = "w" + (weightFormat == NumberFormat::Int ? std::to_string(weightBits) : std::string(formatName(weightFormat)));
    if (role) t += "." + std::string(roleName(*role));
  } else {
    t = include ? "incl." : "excl.";
    t += kvCache ? "kv" : role ? std::string(roleName(*role)) : "all";
  }
  if (firstLayer) {
    t += ".L" + std::to_string(*firstLayer);
    int last = lastLayer.value_or(*firstLayer);
    if (last != *firstLayer) t += "to" + std::to_string(last);
  }
  return t;
}

bool QuantConfig::selectsLinear(int layer, TensorRole role) const {
  bool selected = isQuantizedByDefault(role);
  for (const auto& rule : rules)
    if (rule.matchesLinear(layer, role)) selected = rule.include || rule.isPrecisionRule();
  return selected;
}

std::optional<QuantSpec> QuantConfig::weightSpecFor(int layer, TensorRole role) const {
  if (!weight.enabled()) return std::nullopt;
  bool selected = isQuantizedByDefault(role);
  QuantSpec spec = weight;
  for (const auto& rule : rules)
    if (rule.matchesLinear(layer, role)) {
      selected = rule.include || rule.isPrecisionRule();
      spec = rule.isPrecisionRule() ? rule.weightSpec(weight) : weight;
    }
  if (!selected) return std::nullopt;
  return spec;
}

bool QuantConfig::hasPrecisionRules() const {
  return std::any_of(rules.begin(), rules.end(), [](const LayerRule& r) { return r.isPrecisionRule(); });
}

bool QuantConfig::selectsKv(int layer) const {
  bool selected = true;
  for (const auto& rule : rules)
    if (rule.matchesKv(layer)) selected = rule.include;
  return selected;
}

void QuantConfig::validate() const {
  weight.validate("weight spec");
  activation.validate("activation spec");
  kv.validate("KV spec");
  if (weight.enabled() && weight.granularity == Granularity::PerToken)
    throw Error("weight spec: per-token granularity is for activations; use per-channel (one group per row)");
  if (kv.enabled() && kv.granularity == Granularity::PerToken)
    throw Error("KV spec: per-token granularity is for activations; use per-channel (one group per head and token)");
  if (activation.enabled() && activation.granularity == Granularity::PerChannel)
    throw Error("activation spec: per-channel is not supported; use per-token, per-group or per-tensor");
  const auto& methods = knownMethods();
  if (std::find(methods.begin(), methods.end(), method) == methods.end())
    throw Error("unknown quantization method '" + method + "' (known: rtn, awq, smoothquant, gptq, quarot)");
  if (method == "gptq" && weight.enabled() && weight.format != NumberFormat::Int)
    throw Error("method gptq quantizes integer weights; " + std::string(formatName(weight.format)) +
                " weights take rtn, awq or smoothquant");
  for (const auto& rule : rules) {
    if (rule.kvCache && rule.role) throw Error("layer rule '" + rule.token() + "' names both a role and the KV cache");
    if (rule.role && !isLinearRole(*rule.role))
      throw Error("layer rule: '" + std::string(roleName(*rule.role)) + "' is not a linear layer role");
    if (rule.lastLayer && !rule.firstLayer) throw Error("layer rule '" + rule.token() + "' has a last layer but no first");
    if (rule.firstLayer && (*rule.firstLayer < 0 || rule.lastLayer.value_or(*rule.firstLayer) < *rule.firstLayer))
      throw Error("layer rule '" + rule.token() + "': layer range must satisfy 0 <= first <= last");
    if (rule.isPrecisionRule()) validatePrecisionRule(rule);
  }
}

void QuantConfig::validatePrecisionRule(const LayerRule& rule) const {
  const std::string token = rule.token();
  if (rule.kvCache) throw Error("precision rule '" + token + "' applies to linear weights, not the KV cache");
  if (!rule.role && !rule.firstLayer)
    throw Error("precision rule '" + token + "' needs a role or a layer range (the W part sets every layer)");
  if (!weight.enabled())
    throw Error("precision rule '" + token + "' needs quantized weights (W<b> or a W format in the name)");
  if (method != "rtn" && method != "smoothquant" && method != "quarot")
    throw Error("precision rule '" + token + "': method " + method + " quantizes every weight with one spec");
  rule.weightSpec(weight).validate("precision rule '" + token + "'");
}

QuantConfig QuantConfig::normalized() const {
  if (!quantizesAnything()) return QuantConfig{};
  QuantConfig c = *this;
  c.weight = weight.normalized();
  c.activation = activation.normalized();
  c.kv = kv.normalized();
  for (auto& rule : c.rules) {
    if (rule.firstLayer && !rule.lastLayer) rule.lastLayer = rule.firstLayer;
    if (rule.isPrecisionRule()) {
      rule.include = true;
      if (rule.weightFormat != NumberFormat::Int) rule.weightBits = formatBits(rule.weightFormat);
    }
  }
  return c;
}

std::string QuantConfig::name() const {
  const QuantConfig c = normalized();
  if (!c.quantizesAnything()) return "FP16";
  const bool w = c.weight.enabled(), a = c.activation.enabled(), k = c.kv.enabled();
  std::string s = "W" + bitsToken(c.weight) + "A" + bitsToken(c.activation) + "KV" + bitsToken(c.kv);
  const bool wg = hasGranularity(c.weight), kg = hasGranularity(c.kv);
  const std::string gw = granularityToken(c.weight), gk = granularityToken(c.kv);
  if (wg && kg && gw != gk)
    s += "-w" + gw + "-kv" + gk;
  else if (wg || kg)
    s += "-" + (wg ? gw : gk);
  if (hasGranularity(c.activation) && c.activation.granularity != Granularity::PerToken)
    s += "-a" + granularityToken(c.activation);
  const bool wi = w && c.weight.format == NumberFormat::Int, ai = a && c.activation.format == NumberFormat::Int,
             ki = k && c.kv.format == NumberFormat::Int;
  if (wi && c.weight.symmetric) s += "-symW";
  if (ai && !c.activation.symmetric) s += "-asymA";
  if (ki && c.kv.symmetric) s += "-symKV";

  struct Typed {
    const QuantSpec* spec;
    const char* suffix;
  };
  const Typed typed[] = {{&c.weight, "W"}, {&c.activation, "A"}, {&c.kv, "KV"}};
  int asymmetric = 0, gptq = 0;
  for (const auto& t : typed)
    if (t.spec->enabled() && !t.spec->symmetric) {
      ++asymmetric;
      gptq += t.spec->zeroPoint == ZeroPoint::GptqRangeIncludesZero;
    }
  if (gptq > 0 && gptq == asymmetric) {
    s += "-gptqzero";
  } else {
    for (const auto& t : typed)
      if (t.spec->enabled() && !t.spec->symmetric && t.spec->zeroPoint == ZeroPoint::GptqRangeIncludesZero)
        s += std::string("-gptqzero") + t.suffix;
  }
  if (c.method != "rtn") s += "-" + c.method;
  for (const auto& rule : c.rules) {
    s += '-';
    s += rule.token();
  }
  return s;
}

QuantConfig QuantConfig::parse(std::string_view name) { return NameParser(name).run(); }

const std::vector<std::string>& QuantConfig::presetNames() {
  static const std::vector<std::string> names{"FP16", "W8",  "W4",  "W3",  "W2",  "W8A8",
                                              "W4A8", "W4A4", "KV8", "KV4", "KV3", "KV2"};
  return names;
}

QuantConfig QuantConfig::preset(std::string_view presetName) {
  const auto& names = presetNames();
  if (std::find(names.begin(), names.end(), presetName) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown quantization preset '" + std::string(presetName) + "' (presets: " + list + ")");
  }
  return parse(presetName);
}

const std::vector<std::string>& QuantConfig::knownMethods() {
  static const std::vector<std::string> methods{"rtn", "awq", "smoothquant", "gptq", "quarot"};
  return methods;
}

void to_json(nlohmann::json& j, const QuantConfig& config) {
  const QuantConfig c = config.normalized();
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : c.rules) {
    nlohmann::json jr{{"action", r.isPrecisionRule() ? "weight" : r.include ? "include" : "exclude"},
                      {"target", r.kvCache ? "kv" : r.role ? std::string(roleName(*r.role)) : "all"}};
    if (r.isPrecisionRule()) {
      jr["bits"] = r.weightBits;
      if (r.weightFormat != NumberFormat::Int) jr["format"] = formatName(r.weightFormat);
    }
    if (r.firstLayer) {
      jr["first_layer"] = *r.firstLayer;
      jr["last_layer"] = r.lastLayer.value_or(*r.firstLayer);
    }
    rules.push_back(std::move(jr));
  }
  j = nlohmann::json{{"name", c.name()},     {"weight", c.weight}, {"activation", c.activation},
                     {"kv", c.kv},           {"method", c.method}, {"rules", std::move(rules)}};
}

QuantConfig quantConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) throw Error("quant config JSON: expected an object");
  auto field = [&](const char* key) -> const nlohmann::json& {
    auto it = j.find(key);
    if (it == j.end()) throw Error(std::string("quant config JSON: missing field '") + key + "'");
    return *it;
  };
  QuantConfig c;
  c.weight = quantSpecFromJson(field("weight"), "quant config JSON field 'weight'");
  c.activation = quantSpecFromJson(field("activation"), "quant config JSON field 'activation'");
  c.kv = quantSpecFromJson(field("kv"), "quant config JSON field 'kv'");
  if (auto it = j.find("method"); it != j.end()) {
    if (!it->is_string()) throw Error("quant config JSON: field 'method' must be a string");
    c.method = it->get<std::string>();
  }
  if (auto it = j.find("rules"); it != j.end()) {
    if (!it->is_array()) throw Error("quant config JSON: field 'rules' must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& jr = (*it)[i];
      const std::string where = "quant config JSON: rules[" + std::to_string(i) + "]";
      if (!jr.is_object()) throw Error(where + ": expected an object");
      LayerRule r;
      auto action = jr.value("action", std::string());
      if (action != "include" && action != "exclude" && action != "weight")
        throw Error(where + ": 'action' must be include, exclude or weight");
      r.include = action != "exclude";
      if (action == "weight") {
        auto bits = jr.find("bits");
        if (bits == jr.end() || !bits->is_number_integer() || bits->get<int>() == 0)
          throw Error(where + ": a weight rule needs an integer 'bits'");
        r.weightBits = bits->get<int>();
        if (auto f = jr.find("format"); f != jr.end()) {
          auto format = f->is_string() ? formatFromName(f->get<std::string>()) : std::nullopt;
          if (!format) throw Error(where + ": 'format' is not a known format");
          r.weightFormat = *format;
        }
      }
      auto target = jr.value("target", std::string());
      if (target == "kv") {
        r.kvCache = true;
      } else if (target != "all") {
        auto role = roleFromName(target);
        if (!role || !isLinearRole(*role)) throw Error(where + ": 'target' must be a linear role, kv or all, got '" + target + "'");
        r.role = role;
      }
      for (auto [key, slot] : {std::pair{"first_layer", &r.firstLayer}, std::pair{"last_layer", &r.lastLayer}})
        if (auto f = jr.find(key); f != jr.end()) {
          if (!f->is_number_integer()) throw Error(where + ": '" + key + "' must be an integer");
          *slot = f->get<int>();
        }
      c.rules.push_back(r);
    }
  }
  c.validate();
  c = c.normalized();
  if (auto it = j.find("name"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>() != c.name())
      throw Error("quant config JSON: stored name " + it->dump() + " does not match its fields (" + c.name() + ")");
  }
  return c;
}

}  // namespace qs
