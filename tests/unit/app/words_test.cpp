// The CLI's words: value checks, did-you-mean, help layout, the colour choice.
#include "words.hpp"

#include <gtest/gtest.h>

namespace pricescrape::cli {
namespace {

std::string check(CLI::Validator v, std::string text) { return v(text); }

TEST(Words, WholeNumberSaysWhatIsWrong) {
  const auto v = whole_number_in(1, 10000);
  EXPECT_EQ(check(v, "10"), "");
  EXPECT_EQ(check(v, "abc"), "'abc' is not a number");
  EXPECT_EQ(check(v, "1.5"), "'1.5' is not a whole number");
  EXPECT_EQ(check(v, "0"), "'0' is out of range (1-10000)");
  EXPECT_EQ(check(v, "10001"), "'10001' is out of range (1-10000)");
  EXPECT_EQ(check(v, "99999999999999999999"), "'99999999999999999999' is out of range (1-10000)");
  EXPECT_EQ(check(v, ""), "'' is not a number");
}

TEST(Words, DecimalNumberRefusesNanAndInfinity) {
  const auto v = number_in(0.001, 86400);
  EXPECT_EQ(check(v, "2.5"), "");
  EXPECT_EQ(check(v, "abc"), "'abc' is not a number");
  EXPECT_EQ(check(v, "nan"), "'nan' is not a number");
  EXPECT_EQ(check(v, "inf"), "'inf' is out of range (0.001-86400)");
  EXPECT_EQ(check(v, "0"), "'0' is out of range (0.001-86400)");
  EXPECT_EQ(check(v, "1e999"), "'1e999' is out of range (0.001-86400)");
}

TEST(Words, OneOfListsTheChoices) {
  const auto v = one_of({"json", "jsonl", "csv"});
  EXPECT_EQ(check(v, "csv"), "");
  EXPECT_EQ(check(v, "xml"), "'xml' is not one of json, jsonl, csv");
}

TEST(Words, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("--concurency", "--concurrency"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("--timeotu", "--timeout"), 2u);
}

TEST(Words, ClosestPicksATypoNotAStranger) {
  const std::vector<std::string> names{"--concurrency", "--connect-timeout", "--timeout",
                                       "--format"};
  EXPECT_EQ(closest("--concurency", names), "--concurrency");
  EXPECT_EQ(closest("--timout", names), "--timeout");
  EXPECT_EQ(closest("--formt", names), "--format");
  EXPECT_EQ(closest("--banana-split", names), std::nullopt);
}

TEST(Words, ExtrasNameTheUnknownOptionNotTheInput) {
  CLI::App app;
  std::size_t c = 0;
  app.add_option("-c,--concurrency", c);
  EXPECT_EQ(extras_message(app, {"urls.txt", "--concurency"}),
            "unknown option '--concurency'; did you mean --concurrency?");
  EXPECT_EQ(extras_message(app, {"--zzzzzzzz=3"}), "unknown option '--zzzzzzzz'");
  EXPECT_EQ(extras_message(app, {"-x"}), "unknown option '-x'");
  EXPECT_EQ(extras_message(app, {"two.txt"}), "unexpected argument 'two.txt'");
}

TEST(Words, WrapKeepsEveryLineWithinTheWidth) {
  const std::string text =
      "Per-host pacing: adaptive (learn what each host accepts), fixed (--delay between "
      "requests) or off (default: adaptive; fixed when --delay is given)";
  const auto wrapped = wrap(text, 30, 100);
  std::size_t lines = 0, start = 0;
  for (std::size_t end = 0; end != std::string::npos; start = end + 1) {
    end = wrapped.find('\n', start);
    const auto line = wrapped.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(line.size() + (lines == 0 ? 30 : 0), 100u) << line;
    if (lines > 0) {
      EXPECT_EQ(line.substr(0, 30), std::string(30, ' '));
    }
    ++lines;
  }
  EXPECT_EQ(lines, 3u) << wrapped;
}

TEST(Words, HelpLineShowsAWordTypeAndTheDefault) {
  CLI::App app{"test", "pricescrape"};
  app.formatter(std::make_shared<help_formatter>());
  app.option_defaults()->always_capture_default();
  std::size_t c = 10;
  bool flag = false;
  app.add_option("-c,--concurrency", c, "Requests in flight at most (1-10000)")
      ->check(whole_number_in(1, 10000));
  app.add_flag("--no-progress", flag, "Never draw the progress bar");
  const auto help = app.help();
  EXPECT_NE(help.find("  -c, --concurrency N         Requests in flight at most (1-10000, "
                      "default 10)\n"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("      --no-progress           Never draw the progress bar\n"),
            std::string::npos)
      << help;
  EXPECT_EQ(help.find("UINT"), std::string::npos) << help;
  EXPECT_EQ(help.find("{false}"), std::string::npos) << help;
}

TEST(Words, ColourFollowsTheChoiceNoColorAndTerm) {
  using enum color_choice;
  EXPECT_TRUE(colour_wanted(automatic, true, nullptr, "xterm-256color"));
  EXPECT_FALSE(colour_wanted(automatic, false, nullptr, "xterm"));
  EXPECT_FALSE(colour_wanted(automatic, true, "1", "xterm"));
  EXPECT_FALSE(colour_wanted(automatic, true, "0", "xterm"));  // any value counts
  EXPECT_TRUE(colour_wanted(automatic, true, "", "xterm"));    // empty = unset (no-color.org)
  EXPECT_FALSE(colour_wanted(automatic, true, nullptr, "dumb"));
  EXPECT_FALSE(colour_wanted(automatic, true, nullptr, nullptr));
  EXPECT_TRUE(colour_wanted(always, false, "1", "dumb"));
  EXPECT_FALSE(colour_wanted(never, true, nullptr, "xterm"));
}

}  // namespace
}  // namespace pricescrape::cli
