// The state store's cost per record (`--state`): commits in batches and lookups on a
// real SQLite file, with every commit fsynced (durable, the default) and without
// (synchronous=NORMAL). One table; read it against pages/s from bench/run.
//
//   state_bench [RECORDS] [BATCH] [DIR]     (defaults: 20000, 64, the temp directory)
#include <pricescrape/state/change.hpp>
#include <pricescrape/state/store.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace pricescrape;
using steady = std::chrono::steady_clock;

output::record product(std::size_t i, int night) {
  output::record r;
  r.index = i;
  r.url = "https://shop" + std::to_string(i % 50) + ".example/products/item-" + std::to_string(i);
  r.final_url = r.url;
  r.status = 200;
  r.attempts = 1;
  r.elapsed_ms = 120;
  r.fetched_at = "2026-11-0" + std::to_string(night) + "T03:00:00Z";
  // One product in ten changes price each night.
  r.price = std::to_string(100 + (i % 10 == 0 ? night : 0)) + ".99";
  r.currency = "EUR";
  r.availability = "InStock";
  r.title = "Product number " + std::to_string(i) + " with a title of ordinary length";
  r.source = "jsonld";
  return r;
}

const char* mode(bool durable, bool exclusive) {
  if (exclusive) return durable ? "FULL+EXCL" : "NORMAL+EXCL";
  return durable ? "FULL" : "NORMAL";
}

double micros_per(steady::duration d, std::size_t n) {
  return std::chrono::duration<double, std::micro>(d).count() / static_cast<double>(n);
}

void run(const std::filesystem::path& file, bool durable, bool exclusive, std::size_t records,
         std::size_t batch_size) {
  std::filesystem::remove(file);
  state::store store(
      file, state::store_options{.create = true, .durable = durable, .exclusive = exclusive});
  const state::input_identity input{"/bench/urls.txt", records, "hash"};
  for (int night = 1; night <= 2; ++night) {
    const auto run_id = store.begin_run(input, std::chrono::system_clock::now());
    steady::duration lookup_time{};
    steady::duration commit_time{};
    std::size_t changed = 0;
    std::vector<state::finished_record> batch;
    for (std::size_t i = 0; i < records; ++i) {
      auto r = product(i, night);
      const auto t0 = steady::now();
      const auto seen = store.lookup(r.url);
      lookup_time += steady::now() - t0;
      if (seen) {
        r.previous = seen->as_previous();
        r.changed = state::detect_change(r.previous, r);
        changed += r.changed.value_or(false) ? 1 : 0;
      }
      batch.push_back({std::move(r), {"\"etag-" + std::to_string(i) + "\"", std::nullopt}});
      if (batch.size() == batch_size || i + 1 == records) {
        const auto t1 = steady::now();
        store.commit(run_id, batch);
        commit_time += steady::now() - t1;
        batch.clear();
      }
    }
    const auto t2 = steady::now();
    store.finish_run(run_id, std::chrono::system_clock::now());
    const auto finish_time = steady::now() - t2;
    std::printf(
        "%-11s night %d: lookup %6.1f us/record, commit %6.1f us/record (batch %zu), "
        "finish %7.1f ms, %zu changed\n",
        mode(durable, exclusive), night, micros_per(lookup_time, records),
        micros_per(commit_time, records), batch_size,
        std::chrono::duration<double, std::milli>(finish_time).count(), changed);
  }
  std::printf(
      "%-11s file size after two nights: %.1f MiB (+ WAL %.1f MiB)\n", mode(durable, exclusive),
      static_cast<double>(std::filesystem::file_size(file)) / (1 << 20),
      std::filesystem::exists(file.string() + "-wal")
          ? static_cast<double>(std::filesystem::file_size(file.string() + "-wal")) / (1 << 20)
          : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20000;
  const std::size_t batch = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64;
  const std::filesystem::path dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path();
  const auto file = dir / ("pricescrape-state-bench-" + std::to_string(::getpid()) + ".db");
  for (bool exclusive : {false, true}) {
    run(file, true, exclusive, records, batch);
    run(file, false, exclusive, records, batch);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}
