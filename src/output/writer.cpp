#include <pricescrape/output/writer.hpp>

#include <cassert>
#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace pricescrape::output {

namespace {

constexpr std::string_view replacement_char = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i], or 0 when there is none; then
// `skip` is the length of its maximal ill-formed subpart, which becomes one U+FFFD
// (Unicode 15 §3.9, the practice browsers and Python follow). Bounds from Table 3-7,
// so overlong forms, surrogates and code points above U+10FFFF are all rejected.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& skip) noexcept {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t trailing = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    trailing = 1;
  } else if (b0 == 0xE0) {
    trailing = 2;
    lo = 0xA0;
  } else if (b0 == 0xED) {
    trailing = 2;
    hi = 0x9F;
  } else if (b0 >= 0xE1 && b0 <= 0xEF) {
    trailing = 2;
  } else if (b0 == 0xF0) {
    trailing = 3;
    lo = 0x90;
  } else if (b0 == 0xF4) {
    trailing = 3;
    hi = 0x8F;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    trailing = 3;
  } else {
    skip = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= trailing; ++k) {
    if (i + k >= s.size()) {
      skip = k;
      return 0;
    }
    auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) {
      skip = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return trailing + 1;
}

bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t skip = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i, skip);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  std::size_t skip = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i, skip);
    if (n == 0) {
      out += replacement_char;
      i += skip;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

template <class Int>
void append_int(std::string& out, Int value) {
  static_assert(std::is_integral_v<Int>);
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  assert(ec == std::errc{});
  out.append(buf, end);
}

// --- JSON ---------------------------------------------------------------------------

// Appends `, "name": ` (without the comma for the first member). Names are ASCII
// literals from this file, so they need no escaping.
void append_key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ", ";
  out += '"';
  out += name;
  out += "\": ";
}

void append_json_optional(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    append_json_string(out, *value);
  } else {
    out += "null";
  }
}

void append_json_error(std::string& out, const std::optional<scrape_error>& error) {
  if (!error) {
    out += "null";
    return;
  }
  out += "{\"kind\": ";
  append_json_string(out, to_string(error->kind));
  out += ", \"message\": ";
  append_json_string(out, error->message);
  out += '}';
}

// `"changed": ..., "previous": {...}` (the latter only when there is one).
void append_json_change(std::string& out, const record& r) {
  append_key(out, "changed");
  out += r.changed ? (*r.changed ? "true" : "false") : "null";
  if (!r.previous) return;
  append_key(out, "previous");
  out += '{';
  append_key(out, "price", true);
  append_json_optional(out, r.previous->price);
  append_key(out, "currency");
  append_json_optional(out, r.previous->currency);
  append_key(out, "availability");
  append_json_optional(out, r.previous->availability);
  append_key(out, "fetched_at");
  append_json_string(out, r.previous->fetched_at);
  out += '}';
}

// One record as a single-line JSON object: the unit of both json and jsonl.
void append_json_record(std::string& out, schema s, const writer_options& options,
                        const record& r) {
  out += '{';
  if (s == schema::fetch) {
    append_key(out, "index", true);
    append_int(out, r.index);
    append_key(out, "url");
    append_json_string(out, r.url);
    append_key(out, "final_url");
    append_json_optional(out, r.final_url);
  } else {
    append_key(out, "file", true);
    append_json_string(out, r.file);
  }
  append_key(out, "ok");
  out += r.ok() ? "true" : "false";
  if (s == schema::fetch) {
    append_key(out, "status");
    if (r.status) {
      append_int(out, *r.status);
    } else {
      out += "null";
    }
  }
  append_key(out, "price");
  append_json_optional(out, r.price);
  append_key(out, "currency");
  append_json_optional(out, r.currency);
  append_key(out, "title");
  append_json_optional(out, r.title);
  append_key(out, "availability");
  append_json_optional(out, r.availability);
  append_key(out, "source");
  append_json_optional(out, r.source);
  if (s == schema::fetch) {
    append_key(out, "attempts");
    append_int(out, r.attempts);
    append_key(out, "elapsed_ms");
    append_int(out, r.elapsed_ms);
    append_key(out, "fetched_at");
    // An empty timestamp means the record was never fetched (e.g. an invalid URL).
    if (r.fetched_at.empty()) {
      out += "null";
    } else {
      append_json_string(out, r.fetched_at);
    }
  }
  append_key(out, "error");
  append_json_error(out, r.error);
  if (options.change_fields && s == schema::fetch) append_json_change(out, r);
  if (r.explain_json) {
    // Produced by our own extractor as JSON text; an empty one would break the document.
    assert(!r.explain_json->empty());
    append_key(out, "explain");
    out += *r.explain_json;
  }
  out += '}';
}

class writer_base : public writer {
 public:
  writer_base(schema s, writer_options options, byte_sink& out)
      : out_(out), schema_(s), options_(options) {}
  writer_base(schema s, writer_options options, std::unique_ptr<byte_sink> owned)
      : owned_(std::move(owned)), out_(*owned_), schema_(s), options_(options) {}

  void flush() override { out_.flush(); }

 protected:
  // Records are assembled in a reused buffer and handed to the sink in one write. The
  // buffer is cleared even when the write throws, so nothing is sent twice.
  void emit() {
    struct clear_on_exit {
      std::string& buf;
      ~clear_on_exit() { buf.clear(); }
    } guard{buf_};
    out_.write(buf_);
  }

  std::unique_ptr<byte_sink> owned_;  // only for the std::ostream overload
  byte_sink& out_;
  schema schema_;
  writer_options options_;
  std::string buf_;
  bool started_ = false;
  bool finished_ = false;
};

// `[` + records joined by ",\n" + "\n]\n": one record per line, so a large file stays
// greppable, and the array is only closed by finish().
class json_writer final : public writer_base {
 public:
  using writer_base::writer_base;

  void write(const record& r) override {
    assert(!finished_ && "write() after finish()");
    buf_ += started_ ? ",\n" : "[";
    started_ = true;
    append_json_record(buf_, schema_, options_, r);
    emit();
  }

  void finish() override {
    if (finished_) return;
    buf_ += started_ ? "\n]\n" : "[]\n";
    emit();
    out_.flush();
    finished_ = true;
  }
};

class jsonl_writer final : public writer_base {
 public:
  using writer_base::writer_base;

  void write(const record& r) override {
    assert(!finished_ && "write() after finish()");
    started_ = true;
    append_json_record(buf_, schema_, options_, r);
    buf_ += '\n';
    emit();
  }

  void finish() override {
    if (finished_) return;
    out_.flush();
    finished_ = true;
  }
};

// --- CSV ----------------------------------------------------------------------------

// Line ends are LF, not RFC 4180's CRLF: the output is mostly read by Unix tools
// (cut, awk, sqlite .import), where a CR would stick to the last cell, while
// spreadsheets, pandas and Python's csv module accept either. Cells holding CR or LF
// are quoted, so the records stay unambiguous.
constexpr std::string_view csv_eol = "\n";

constexpr std::string_view csv_fetch_header =
    "index,url,final_url,ok,status,price,currency,title,availability,source,attempts,"
    "elapsed_ms,fetched_at,error_kind,error_message";
// After the fetch header, with writer_options::change_fields.
constexpr std::string_view csv_change_header =
    ",changed,previous_price,previous_currency,previous_availability,previous_fetched_at";
constexpr std::string_view csv_file_header =
    "file,ok,price,currency,title,availability,source,error_kind,error_message";

// What a spreadsheet would take for a formula (or, for tab and CR, may strip before
// looking again): OWASP's list for CSV injection.
bool starts_like_formula(std::string_view text) noexcept {
  if (text.empty()) return false;
  switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      return false;
  }
}

// A text cell: quoted when it holds a separator, a quote or a line break, quotes
// doubled. A present but empty string is written as "" so it differs from null (an
// empty cell), which PostgreSQL's COPY and others rely on. Invalid UTF-8 becomes
// U+FFFD, as in JSON, so the file is valid UTF-8 throughout.
void append_csv_text(std::string& out, std::string_view text, bool safe) {
  std::string fixed;
  if (!is_valid_utf8(text)) {
    fixed = replace_invalid_utf8(text);
    text = fixed;
  }
  const bool formula = safe && starts_like_formula(text);
  if (!text.empty() && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    if (formula) out += '\'';
    out += text;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_csv_optional(std::string& out, const std::optional<std::string>& value, bool safe) {
  if (value) append_csv_text(out, *value, safe);
}

// The change columns; all empty when nothing was observed before.
void append_csv_change(std::string& out, const record& r, bool safe) {
  out += ',';
  if (r.changed) out += *r.changed ? "true" : "false";
  const previous_observation none;
  const auto& previous = r.previous ? *r.previous : none;
  for (const auto* field : {&previous.price, &previous.currency, &previous.availability}) {
    out += ',';
    append_csv_optional(out, *field, safe);
  }
  out += ',';
  if (r.previous) append_csv_text(out, previous.fetched_at, safe);
}

void append_csv_record(std::string& out, schema s, const writer_options& options, const record& r) {
  const bool safe = options.csv_safe;
  if (s == schema::fetch) {
    append_int(out, r.index);
    out += ',';
    append_csv_text(out, r.url, safe);
    out += ',';
    append_csv_optional(out, r.final_url, safe);
  } else {
    append_csv_text(out, r.file, safe);
  }
  out += ',';
  out += r.ok() ? "true" : "false";
  if (s == schema::fetch) {
    out += ',';
    if (r.status) append_int(out, *r.status);
  }
  for (const auto* field : {&r.price, &r.currency, &r.title, &r.availability, &r.source}) {
    out += ',';
    append_csv_optional(out, *field, safe);
  }
  if (s == schema::fetch) {
    out += ',';
    append_int(out, r.attempts);
    out += ',';
    append_int(out, r.elapsed_ms);
    out += ',';
    if (!r.fetched_at.empty()) append_csv_text(out, r.fetched_at, safe);
  }
  out += ',';
  if (r.error) append_csv_text(out, to_string(r.error->kind), safe);
  out += ',';
  if (r.error) append_csv_text(out, r.error->message, safe);
  if (options.change_fields && s == schema::fetch) append_csv_change(out, r, safe);
  // explain_json is deliberately not a column: a JSON tree in a cell helps nobody.
  out += csv_eol;
}

class csv_writer final : public writer_base {
 public:
  using writer_base::writer_base;

  void write(const record& r) override {
    assert(!finished_ && "write() after finish()");
    if (!started_) append_header();
    append_csv_record(buf_, schema_, options_, r);
    emit();
  }

  void finish() override {
    if (finished_) return;
    // An empty run still gets its header, so readers see the columns.
    if (!started_) {
      append_header();
      emit();
    }
    out_.flush();
    finished_ = true;
  }

 private:
  void append_header() {
    started_ = true;
    buf_ += schema_ == schema::fetch ? csv_fetch_header : csv_file_header;
    if (options_.change_fields && schema_ == schema::fetch) buf_ += csv_change_header;
    buf_ += csv_eol;
  }
};

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t skip = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy runs of plain ASCII at once: the common case for URLs, titles and prices.
    std::size_t run = i;
    while (run < text.size()) {
      auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(text, i, run - i);
    i = run;
    if (i == text.size()) break;

    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(text, i, skip);
      if (n == 0) {
        out += replacement_char;
        i += skip;
      } else {
        out.append(text, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
        break;
    }
    ++i;
  }
  out += '"';
}

namespace {

template <class Sink>
std::unique_ptr<writer> make_writer_on(format f, schema s, writer_options options, Sink&& out) {
  switch (f) {
    case format::json:
      return std::make_unique<json_writer>(s, options, std::forward<Sink>(out));
    case format::jsonl:
      return std::make_unique<jsonl_writer>(s, options, std::forward<Sink>(out));
    case format::csv:
      return std::make_unique<csv_writer>(s, options, std::forward<Sink>(out));
  }
  assert(false && "unknown format");
  return nullptr;
}

}  // namespace

std::unique_ptr<writer> make_writer(format f, schema s, byte_sink& out) {
  return make_writer_on(f, s, writer_options{}, out);
}

std::unique_ptr<writer> make_writer(format f, schema s, byte_sink& out, writer_options options) {
  return make_writer_on(f, s, options, out);
}

std::unique_ptr<writer> make_writer(format f, schema s, std::ostream& out) {
  return make_writer_on(f, s, writer_options{},
                        std::unique_ptr<byte_sink>(std::make_unique<ostream_sink>(out)));
}

}  // namespace pricescrape::output
