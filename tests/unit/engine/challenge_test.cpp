#include "engine/challenge.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pricescrape::engine {
namespace {

// Small hand-written pages in the shape of each vendor's (no vendor page is copied).
constexpr const char* cloudflare_managed =
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
    "<meta http-equiv=\"refresh\" content=\"390\"></head><body><div class=\"main\">"
    "<h1>shop.example</h1><p>Verifying you are human. This may take a few seconds.</p>"
    "<script>(function(){window._cf_chl_opt={cType:'managed'};})();</script>"
    "</div></body></html>";

constexpr const char* cloudflare_block =
    "<html><head><title>Attention Required! | Cloudflare</title></head><body>"
    "<h1>Sorry, you have been blocked</h1><p>You are unable to access shop.example</p>"
    "<p>Cloudflare Ray ID: 0123456789abcdef</p></body></html>";

constexpr const char* akamai_denied =
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    "You don't have permission to access \"http://shop.example/p/1\" on this server.<P>\n"
    "Reference #18.1a2b3c4d.1700000000.5e6f7a8b\n<P>https://errors.edgesuite.net/18.1a2b</P>"
    "</BODY>\n</HTML>\n";

constexpr const char* akamai_denied_no_link =
    "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
    "Reference #18.99aa</body></html>";

constexpr const char* datadome_block =
    "<html><head><title>shop.example</title></head><body style=\"margin:0\">"
    "<script>var dd={'rt':'c','cid':'AHrlqAAAAA','hsh':'ABCDEF','host':"
    "'geo.captcha-delivery.com'}</script>"
    "<script src=\"https://ct.captcha-delivery.com/c.js\"></script></body></html>";

constexpr const char* perimeterx_block =
    "<html><head><title>Access to this page has been denied</title></head><body>"
    "<div id=\"px-captcha\"></div><p>Press &amp; Hold to confirm you are a human</p>"
    "<script>window._pxAppId='PXabcdef12';</script></body></html>";

constexpr const char* imperva_block =
    "<html><head><META NAME=\"robots\" CONTENT=\"noindex,nofollow\"></head><body>"
    "Request unsuccessful. Incapsula incident ID: 1234"
    "<iframe src=\"/_Incapsula_Resource?CWUDNSAI=9&xinfo=1\"></iframe></body></html>";

constexpr const char* recaptcha_wall =
    "<html><head><title>Please verify</title>"
    "<script src=\"https://www.google.com/recaptcha/api.js\" async defer></script></head>"
    "<body><form><div class=\"g-recaptcha\" data-sitekey=\"abc\"></div></form></body></html>";

constexpr const char* hcaptcha_wall =
    "<html><body><form><div class=\"h-captcha\" data-sitekey=\"abc\"></div>"
    "<script src=\"https://js.hcaptcha.com/1/api.js\"></script></form></body></html>";

// Ordinary pages that must never be taken for a wall.
constexpr const char* product_with_newsletter_recaptcha =
    "<html><head><title>Blue Kettle 1.7 l - Shop</title>"
    "<script src=\"https://www.google.com/recaptcha/api.js?render=6Lc_abc\"></script>"
    "<script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script>"
    "<script src=\"https://js.datadome.co/tags.js\"></script>"
    "<script>window._pxAppId='PXabcdef12';</script></head><body>"
    "<h1>Blue Kettle</h1><span class=\"price\">EUR 39.90</span>"
    "<form class=\"newsletter\"><div class=\"g-recaptcha\" data-sitekey=\"x\"></div>"
    "<div class=\"cf-turnstile\"></div></form><p>Protected by reCAPTCHA.</p></body></html>";

constexpr const char* plain_429 = "<html><body><h1>429 Too Many Requests</h1></body></html>";
constexpr const char* plain_503 =
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    "<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
    "</body></html>";
constexpr const char* plain_403 =
    "<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>";

struct sample {
  const char* name;
  int status;
  std::vector<header_field> headers;
  const char* body;
  bot_wall expected;
};

class Challenge : public testing::TestWithParam<sample> {};

TEST_P(Challenge, Detect) {
  const auto& s = GetParam();
  const auto verdict = detect_challenge(s.status, s.headers, s.body);
  EXPECT_EQ(verdict.wall, s.expected) << s.name << ": matched '" << verdict.marker << "'";
  EXPECT_EQ(verdict.is_challenge(), s.expected != bot_wall::none);
  if (verdict.is_challenge()) {
    EXPECT_FALSE(verdict.marker.empty());
  }
}

std::string sample_name(const testing::TestParamInfo<sample>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Samples, Challenge,
    testing::Values(
        sample{"CloudflareManaged403",
               403,
               {{"Server", "cloudflare"}},
               cloudflare_managed,
               bot_wall::cloudflare},
        sample{"CloudflareManaged503", 503, {}, cloudflare_managed, bot_wall::cloudflare},
        sample{"CloudflareChallengeWith200", 200, {}, cloudflare_managed, bot_wall::cloudflare},
        sample{"CloudflareMitigatedHeaderAlone",
               200,
               {{"CF-Mitigated", "challenge"}},
               "",
               bot_wall::cloudflare},
        sample{"CloudflareBlockPage", 403, {}, cloudflare_block, bot_wall::cloudflare},
        sample{"CloudflareChlMarkerOnRefusal",
               403,
               {},
               "<html><body><div id=\"cf-chl-widget-x\"></div></body></html>",
               bot_wall::cloudflare},
        sample{"AkamaiAccessDenied",
               403,
               {{"Server", "AkamaiGHost"}},
               akamai_denied,
               bot_wall::akamai},
        sample{"AkamaiReferenceOnly", 403, {}, akamai_denied_no_link, bot_wall::akamai},
        sample{"AkamaiDeniedOn200IsNotGuessed", 200, {}, akamai_denied_no_link, bot_wall::none},
        sample{
            "DataDome403", 403, {{"X-DataDome", "protected"}}, datadome_block, bot_wall::datadome},
        sample{"DataDome200", 200, {}, datadome_block, bot_wall::datadome},
        sample{"PerimeterX403", 403, {}, perimeterx_block, bot_wall::perimeterx},
        sample{"PerimeterX200", 200, {}, perimeterx_block, bot_wall::perimeterx},
        sample{"Imperva", 200, {}, imperva_block, bot_wall::imperva},
        sample{"RecaptchaOn429", 429, {}, recaptcha_wall, bot_wall::captcha},
        sample{"HcaptchaOn403", 403, {}, hcaptcha_wall, bot_wall::captcha},
        sample{"RecaptchaOn200IsAForm", 200, {}, recaptcha_wall, bot_wall::none},
        sample{"ProductPageWithWidgetsAndSensors",
               200,
               {{"Server", "cloudflare"}},
               product_with_newsletter_recaptcha,
               bot_wall::none},
        sample{"ProductPageOn404", 404, {}, product_with_newsletter_recaptcha, bot_wall::none},
        sample{"Plain429", 429, {{"Retry-After", "1"}}, plain_429, bot_wall::none},
        sample{"Plain503", 503, {{"Server", "nginx"}}, plain_503, bot_wall::none},
        sample{"Plain403", 403, {}, plain_403, bot_wall::none},
        sample{
            "CfMitigatedOtherValue", 403, {{"cf-mitigated", "block"}}, plain_403, bot_wall::none},
        sample{"ImpervaResourceWithoutBlockText",
               200,
               {},
               "<html><script src=\"/_Incapsula_Resource?SWJIYLWA=1\"></script>Kettle</html>",
               bot_wall::none},
        sample{"EmptyBody", 403, {}, "", bot_wall::none}),
    sample_name);

TEST(Challenge, OnlyTheFirstBytesAreScanned) {
  std::string late(challenge_scan_bytes, ' ');
  late += "<title>Just a moment...</title>";
  EXPECT_FALSE(detect_challenge(403, {}, late).is_challenge());
  std::string early = "<title>Just a moment...</title>";
  early += std::string(challenge_scan_bytes * 4, ' ');
  EXPECT_TRUE(detect_challenge(403, {}, early).is_challenge());
}

TEST(Challenge, CaseInsensitive) {
  EXPECT_EQ(detect_challenge(200, {}, "<TITLE>JUST A MOMENT...</TITLE>").wall,
            bot_wall::cloudflare);
  EXPECT_EQ(detect_challenge(403, {}, "<DIV CLASS=\"G-RECAPTCHA\">").wall, bot_wall::captcha);
}

TEST(Challenge, VendorNames) {
  EXPECT_EQ(to_string(bot_wall::cloudflare), "Cloudflare");
  EXPECT_EQ(to_string(bot_wall::datadome), "DataDome");
  EXPECT_EQ(to_string(bot_wall::captcha), "captcha");
  EXPECT_EQ(to_string(bot_wall::none), "none");
}

}  // namespace
}  // namespace pricescrape::engine
