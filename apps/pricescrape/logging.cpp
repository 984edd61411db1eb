#include "logging.hpp"

#include <pricescrape/output/writer.hpp>

#include <spdlog/details/os.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace pricescrape::cli {

namespace {

// One JSON object per line, so log collectors need no parsing rules of their own.
class json_stderr_sink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
    std::string line = "{\"time\":\"";
    line += stamp;
    line += "\",\"level\":";
    const auto level = spdlog::level::to_string_view(msg.level);
    output::append_json_string(line, std::string_view(level.data(), level.size()));
    line += ",\"message\":";
    output::append_json_string(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(const common_options& common) {
  std::shared_ptr<spdlog::logger> logger;
  if (common.logs == log_format::json) {
    logger = std::make_shared<spdlog::logger>("pricescrape", std::make_shared<json_stderr_sink>());
  } else {
    // spdlog's automatic mode knows neither NO_COLOR nor --color: decide here.
    const bool colour = colour_wanted(common.color, ::isatty(STDERR_FILENO) == 1,
                                      std::getenv("NO_COLOR"), std::getenv("TERM"));
    logger = spdlog::stderr_color_st(
        "pricescrape", colour ? spdlog::color_mode::always : spdlog::color_mode::never);
    logger->set_pattern("%^pricescrape: %l:%$ %v");
  }
  logger->set_level(common.verbosity < 0   ? spdlog::level::err
                    : common.verbosity > 0 ? spdlog::level::debug
                                           : spdlog::level::info);
  logger->flush_on(spdlog::level::debug);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace pricescrape::cli
