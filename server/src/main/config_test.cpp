#include "main/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace otk {
namespace {

std::filesystem::path write(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("otk-config-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(p) << text;
  return p;
}

TEST(Config, ReadsKnownKeys) {
  ServerConfig cfg;
  auto r = load_config_file(write("listen = \"0.0.0.0:9000\"\ndata = \"/var/lib/otklik\"\nthreads = 4\n"
                                  "[auth]\nlogin_per_minute = 5\n[demo]\norigins = [\"https://x.example\"]\n"),
                            cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(cfg.listen, "0.0.0.0:9000");
  EXPECT_EQ(cfg.data_dir, "/var/lib/otklik");
  EXPECT_EQ(cfg.threads, 4);
  EXPECT_EQ(cfg.login_per_minute, 5);
  EXPECT_EQ(cfg.demo_origins, std::vector<std::string>{"https://x.example"});
}

TEST(Config, RefusesUnknownKeysAndWrongTypes) {
  ServerConfig cfg;
  auto unknown = load_config_file(write("lisen = \"x\"\n"), cfg);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("lisen"), std::string::npos);
  EXPECT_FALSE(load_config_file(write("threads = \"many\"\n"), cfg).has_value());
  EXPECT_FALSE(load_config_file(write("listen = [\n"), cfg).has_value());
}

TEST(Config, AttachmentLimitIsOneToOneThousandTwentyFourMiB) {
  ServerConfig cfg;
  EXPECT_EQ(cfg.attachment_mb, 10);
  auto r = load_config_text("[limits]\nattachment_mb = 25\n", "test", cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(cfg.attachment_mb, 25);
  for (const char* bad : {"0", "1025", "\"10\"", "2.5"}) {
    auto refused = load_config_text(std::string("[limits]\nattachment_mb = ") + bad + "\n", "test", cfg);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message.find("limits.attachment_mb"), std::string::npos);
  }
}

TEST(Config, WebhookRetentionIsOneToThreeThousandSixHundredFiftyDays) {
  ServerConfig cfg;
  EXPECT_EQ(cfg.webhook_retention_days, 30);
  auto r = load_config_text("[webhooks]\nretention_days = 7\n", "test", cfg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(cfg.webhook_retention_days, 7);
  for (const char* bad : {"0", "3651", "\"30\"", "1.5"}) {
    auto refused = load_config_text(std::string("[webhooks]\nretention_days = ") + bad + "\n", "test", cfg);
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_NE(refused.error().message.find("webhooks.retention_days"), std::string::npos);
  }
}

TEST(Config, TextAndFileReadTheSame) {
  const std::string text = "threads = 2\n[desk]\ntypical_chat_minutes = 7\n";
  ServerConfig from_text, from_file;
  ASSERT_TRUE(load_config_text(text, "inline.toml", from_text).has_value());
  ASSERT_TRUE(load_config_file(write(text), from_file).has_value());
  EXPECT_EQ(from_text.threads, 2);
  EXPECT_EQ(from_text.typical_chat_minutes, from_file.typical_chat_minutes);
  auto bad = load_config_text("threads = -1\n", "inline.toml", from_text);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.rfind("inline.toml: 'threads'", 0), 0u) << bad.error().message;
  auto missing = load_config_file("/nonexistent/otklik.toml", from_file);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "/nonexistent/otklik.toml: File could not be opened for reading");
}

TEST(ParseListen, HostAndPort) {
  EXPECT_EQ(parse_listen("127.0.0.1:8080")->second, 8080);
  EXPECT_EQ(parse_listen("[::1]:0")->first, "::1");
  EXPECT_FALSE(parse_listen("127.0.0.1").has_value());
  EXPECT_FALSE(parse_listen("127.0.0.1:99999").has_value());
  EXPECT_FALSE(parse_listen("host:80x").has_value());
}

}  // namespace
}  // namespace otk
