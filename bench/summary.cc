#include "bench/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace inferno::bench {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MdEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\";
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

struct Bar {
  std::string label;
  double value;
  const char* colour;
};

// Horizontal bars grouped by model: decode first, then prefill per prompt size.
std::string ThroughputSvg(const std::vector<const SuiteRow*>& ok_rows) {
  std::vector<std::string> models;
  std::map<std::string, std::vector<const SuiteRow*>> by_model;
  for (const SuiteRow* r : ok_rows) {
    if (!by_model.count(r->model)) models.push_back(r->model);
    by_model[r->model].push_back(r);
  }
  static const char* const kPrefill[] = {"#4e79a7", "#76a5d8", "#a8c8ec", "#cfe0f3"};
  std::vector<std::pair<std::string, std::vector<Bar>>> groups;
  double max_v = 1;
  for (const std::string& m : models) {
    std::vector<Bar> bars;
    double decode = 0;
    for (const SuiteRow* r : by_model[m]) decode += r->decode_tps;
    decode /= double(by_model[m].size());
    bars.push_back({"decode", decode, "#e15759"});
    int i = 0;
    for (const SuiteRow* r : by_model[m]) {
      bars.push_back({"prefill " + std::to_string(r->prompt_tokens), r->prefill_tps,
                      kPrefill[std::min(i++, 3)]});
    }
    for (const Bar& b : bars) max_v = std::max(max_v, b.value);
    groups.push_back({m, bars});
  }
  double min_v = max_v;
  for (auto& g : groups) {
    for (const Bar& b : g.second) {
      if (b.value > 0) min_v = std::min(min_v, b.value);
    }
  }
  // Tiny test models run thousands of tokens/s and real ones tens: past a 20x spread a
  // linear axis would flatten the real models to nothing, so the axis turns logarithmic.
  const bool log_axis = max_v / std::max(min_v, 1e-9) > 20;
  const double log_lo = std::floor(std::log10(std::max(min_v, 1e-3)));
  const double log_hi = std::ceil(std::log10(max_v));
  const int label_w = 230, chart_w = 420, bar_h = 16, gap = 4, group_gap = 18, top = 58;
  auto width_of = [&](double v) {
    if (!log_axis) return std::max(1, int(v / max_v * chart_w));
    if (v <= 0) return 1;
    const double f = (std::log10(v) - log_lo) / std::max(1.0, log_hi - log_lo);
    return std::max(1, int(f * chart_w));
  };
  int height = top + 20;
  for (auto& g : groups) height += 20 + int(g.second.size()) * (bar_h + gap) + group_gap;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(label_w + chart_w + 90) + "\" height=\"" +
                    std::to_string(height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
                    "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Tokens per "
                    "second (higher is better" +
                    std::string(log_axis ? "; logarithmic axis" : "") + ")</text>\n";
  if (log_axis) {
    for (double e = log_lo; e <= log_hi; e += 1) {
      const int x = label_w + width_of(std::pow(10.0, e));
      svg += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(top - 6) + "\" x2=\"" +
             std::to_string(x) + "\" y2=\"" + std::to_string(height - 10) +
             "\" stroke=\"#dddddd\"/>\n";
      svg += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(top - 10) +
             "\" text-anchor=\"middle\" fill=\"#666666\">" + Fmt("%g", std::pow(10.0, e)) +
             "</text>\n";
    }
  }
  int y = top;
  for (auto& [model, bars] : groups) {
    svg += "<text x=\"10\" y=\"" + std::to_string(y + 13) + "\" font-weight=\"bold\">" +
           XmlEscape(model) + "</text>\n";
    y += 20;
    for (const Bar& b : bars) {
      const int w = width_of(b.value);
      svg += "<text x=\"" + std::to_string(label_w - 8) + "\" y=\"" + std::to_string(y + 12) +
             "\" text-anchor=\"end\">" + XmlEscape(b.label) + "</text>\n";
      svg += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y) +
             "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(bar_h) +
             "\" fill=\"" + b.colour + "\"/>\n";
      svg += "<text x=\"" + std::to_string(label_w + w + 6) + "\" y=\"" + std::to_string(y + 12) +
             "\">" + Fmt("%.1f", b.value) + "</text>\n";
      y += bar_h + gap;
    }
    y += group_gap;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

namespace {

// "Run `id` at time, T threads, ..." for the first row of a run.
std::string RunLine(const SuiteRow& first, bool tokens) {
  std::string line = "Run `" + first.run_id + "` at " + first.timestamp + ", " +
                     std::to_string(first.threads) + " threads, ";
  if (tokens) {
    line += std::to_string(first.generated_tokens) + " generated tokens per request, ";
  }
  return line + std::to_string(first.repetitions) + " repetitions (mean ± standard deviation).\n\n";
}

std::string MeanSd(const char* format, double mean, double sd) {
  return Fmt(format, mean) + " ± " + Fmt(format, sd);
}

// The text category: the chart, throughput and latency tables.
void TextSections(const std::vector<const SuiteRow*>& ok_rows, const std::string& svg_name,
                  Summary* s) {
  std::string& md = s->markdown;
  md += "## Throughput\n\n";
  if (!ok_rows.empty()) {
    s->throughput_svg = ThroughputSvg(ok_rows);
    md += "![Tokens per second per model](" + svg_name + ")\n\n";
    md += "| model | quant | input | prompt tokens | prefill tok/s | decode tok/s |\n";
    md += "|---|---|---|---:|---:|---:|\n";
    for (const SuiteRow* r : ok_rows) {
      md += "| " + MdEscape(r->model) + " | " + r->quant + " | " + r->input_type + " | " +
            std::to_string(r->prompt_tokens) + " | " +
            MeanSd("%.1f", r->prefill_tps, r->prefill_tps_sd) + " | " +
            MeanSd("%.1f", r->decode_tps, r->decode_tps_sd) + " |\n";
    }
    md += "\n";
  } else {
    md += "Every model failed in this run.\n\n";
  }
  md += "## Latency\n\n";
  md += "| model | prompt tokens | time to first token (ms) | total (ms) |\n|---|---:|---:|---:|\n";
  for (const SuiteRow* r : ok_rows) {
    md += "| " + MdEscape(r->model) + " | " + std::to_string(r->prompt_tokens) + " | " +
          MeanSd("%.1f", r->ttft_ms, r->ttft_ms_sd) + " | " +
          MeanSd("%.1f", r->total_ms, r->total_ms_sd) + " |\n";
  }
}

// The image category: per vision model and picture size, the encoder, the prompt with the
// image's tokens, decoding and the time to first token (encoding included).
void ImageSection(const std::vector<const SuiteRow*>& run, std::string* md) {
  *md += "## Images\n\n" + RunLine(*run.front(), /*tokens=*/true);
  *md +=
      "| model | mmproj | image px | image tokens | prompt tokens | encoder (ms) | prefill tok/s "
      "| decode tok/s | time to first token (ms) | total (ms) |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const SuiteRow* r : run) {
    if (r->status != "ok") continue;
    *md += "| " + MdEscape(r->model) + " | " +
           MdEscape(std::filesystem::path(r->mmproj_path).filename().string()) + " | " +
           std::to_string(r->image_px) + " | " + std::to_string(r->image_tokens) + " | " +
           std::to_string(r->prompt_tokens) + " | " +
           MeanSd("%.1f", r->encoder_ms, r->encoder_ms_sd) + " | " +
           MeanSd("%.1f", r->prefill_tps, r->prefill_tps_sd) + " | " +
           MeanSd("%.1f", r->decode_tps, r->decode_tps_sd) + " | " +
           MeanSd("%.1f", r->ttft_ms, r->ttft_ms_sd) + " | " +
           MeanSd("%.1f", r->total_ms, r->total_ms_sd) + " |\n";
  }
  *md += "\n";
}

// The audio category: per speech model and clip length, the transcription's latency and
// real-time factor (below 1: faster than the audio plays).
void AudioSection(const std::vector<const SuiteRow*>& run, std::string* md) {
  *md += "## Audio\n\n" + RunLine(*run.front(), /*tokens=*/false);
  *md +=
      "| model | quant | clip (s) | latency (ms) | real-time factor | tokens |\n"
      "|---|---|---:|---:|---:|---:|\n";
  for (const SuiteRow* r : run) {
    if (r->status != "ok") continue;
    *md += "| " + MdEscape(r->model) + " | " + r->quant + " | " + Fmt("%g", r->audio_seconds) +
           " | " + MeanSd("%.1f", r->total_ms, r->total_ms_sd) + " | " +
           MeanSd("%.3f", r->rtf, r->rtf_sd) + " | " + std::to_string(r->generated_tokens) + " |\n";
  }
  *md += "\n";
}

// The rows of the latest run of each category, text first.
std::map<std::string, std::vector<const SuiteRow*>> LatestRuns(const std::vector<SuiteRow>& rows) {
  std::map<std::string, std::string> latest;  // category -> run id
  for (const SuiteRow& r : rows) latest[r.input_type] = r.run_id;
  std::map<std::string, std::vector<const SuiteRow*>> runs;
  for (const SuiteRow& r : rows) {
    if (latest[r.input_type] == r.run_id) runs[r.input_type].push_back(&r);
  }
  return runs;
}

// Memory, failures and the machine, over the runs shown.
void CommonSections(const std::vector<const SuiteRow*>& shown, bool several, std::string* md) {
  std::string& out = *md;
  out += "\n## Memory and load\n\n";
  out +=
      "| model | quant | file (MiB) | peak RSS (MiB) | load (ms) | CPU time (s) |\n"
      "|---|---|---:|---:|---:|---:|\n";
  std::set<std::string> seen;
  for (const SuiteRow* r : shown) {
    const std::string name = r->model + (several ? " (" + r->input_type + ")" : "");
    if (r->status != "ok" || !seen.insert(name).second) continue;
    out += "| " + MdEscape(name) + " | " + r->quant + " | " +
           Fmt("%.1f", r->size_bytes / 1048576.0) + " | " +
           Fmt("%.1f", r->peak_rss_bytes / 1048576.0) + " | " + Fmt("%.0f", r->load_ms) + " | " +
           Fmt("%.1f", r->cpu_seconds) + " |\n";
  }
  out += "\n## Failures\n\n";
  bool any = false;
  for (const SuiteRow* r : shown) {
    if (r->status == "ok") continue;
    if (!any) out += "| model | path | error |\n|---|---|---|\n";
    any = true;
    out += "| " + MdEscape(r->model) + " | " + MdEscape(r->model_path) + " | " +
           MdEscape(r->error) + " |\n";
  }
  if (!any) out += "None.\n";
  const SuiteRow& last = *shown.back();
  out += "\n## Machine\n\n";
  out += "- host: " + MdEscape(last.hostname) + "\n";
  out += "- CPU: " + MdEscape(last.cpu_model) + " (" + std::to_string(last.cores) +
         " logical cores)\n";
  out += "- SIMD: " + last.cpu_flags + "; kernels: " + last.isa + "\n";
}

}  // namespace

Summary MakeSummary(const std::vector<SuiteRow>& rows, const std::string& svg_name,
                    const std::string& source) {
  Summary s;
  std::set<std::string> run_ids;
  for (const SuiteRow& r : rows) run_ids.insert(r.run_id);
  std::string& md = s.markdown;
  md += "# Benchmark summary\n\n";
  const std::map<std::string, std::vector<const SuiteRow*>> runs = LatestRuns(rows);
  const bool several = runs.size() > 1 || (runs.size() == 1 && !runs.count("text"));
  md += "Generated by `inferno bench --summary` from `" + source + "` (" +
        std::to_string(rows.size()) + " rows, " + std::to_string(run_ids.size()) +
        (run_ids.size() == 1 ? " run" : " runs") + "). Tables show the latest run" +
        (several ? " of each category (text, image, audio)" : "") + ".\n\n";
  if (rows.empty()) {
    md += "No results yet: run `inferno bench --suite --models MODEL.gguf`.\n";
    return s;
  }
  std::vector<const SuiteRow*> shown;
  if (auto text = runs.find("text"); text != runs.end()) {
    md += RunLine(*text->second.front(), /*tokens=*/true);
    std::vector<const SuiteRow*> ok_rows;
    for (const SuiteRow* r : text->second) {
      if (r->status == "ok") ok_rows.push_back(r);
    }
    TextSections(ok_rows, svg_name, &s);
    shown = text->second;
    if (several) md += "\n";
  }
  for (const std::string category : {"image", "audio"}) {
    const auto run = runs.find(category);
    if (run == runs.end()) continue;
    (category == "image" ? ImageSection : AudioSection)(run->second, &md);
    shown.insert(shown.end(), run->second.begin(), run->second.end());
  }
  if (shown.empty()) return s;  // only categories this version does not know
  if (several && md.size() >= 2 && md.compare(md.size() - 2, 2, "\n\n") == 0) md.pop_back();
  CommonSections(shown, several, &md);
  return s;
}

Status WriteSummary(const std::string& csv_path, const std::string& md_path) {
  namespace fs = std::filesystem;
  Result<std::vector<SuiteRow>> rows = ReadRows(csv_path);
  if (!rows.ok()) return rows.status();
  const fs::path md(md_path);
  const std::string svg_name = md.stem().string() + "_throughput.svg";
  const Summary s = MakeSummary(*rows, svg_name, fs::path(csv_path).filename().string());
  std::error_code ec;
  if (!md.parent_path().empty()) fs::create_directories(md.parent_path(), ec);
  std::ofstream out(md);
  out << s.markdown;
  if (!out) return Status::IoError(md_path + ": cannot write");
  if (!s.throughput_svg.empty()) {
    std::ofstream svg(md.parent_path() / svg_name);
    svg << s.throughput_svg;
    if (!svg) return Status::IoError(svg_name + ": cannot write");
  }
  return Status::Ok();
}

}  // namespace inferno::bench
