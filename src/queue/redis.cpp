#include "queue/redis.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/url_source.hpp>

#include <hiredis/hiredis.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace pricescrape::queue {

std::string address::display() const {
  std::string out = tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "@" : ":***@");
  const bool v6 = host.find(':') != std::string::npos;
  out += v6 ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + std::to_string(db);
  return out;
}

parsed_address parse_address(std::string_view url) {
  parsed_address out;
  auto fail = [&](std::string why) {
    out.error = "invalid queue URL '" + std::string(url) + "': " + std::move(why);
    return out;
  };
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail("not a URL (expected redis://host:port/db)");
  address a;
  const auto scheme = detail::to_lower_ascii(parsed->scheme());
  if (scheme == "rediss")
    a.tls = true;
  else if (scheme != "redis")
    return fail("the scheme must be redis:// or rediss://");
  if (!parsed->encoded_host().empty()) a.host = parsed->host();
  if (parsed->host_type() == boost::urls::host_type::ipv6) a.host = parsed->host_address();
  if (parsed->has_port()) {
    const auto port = parse_port(parsed->port());
    if (!port || *port == 0) return fail("the port must be 1-65535");
    a.port = *port;
  }
  if (parsed->has_userinfo()) {
    a.user = parsed->user();
    a.password = parsed->password();
  }
  std::string_view path = parsed->encoded_path();
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty()) {
    int db = -1;
    const auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc{} || end != path.data() + path.size() || db < 0 || db > 1'000'000)
      return fail("the path must be a database number (/0)");
    a.db = db;
  }
  out.where = std::move(a);
  return out;
}

bool valid_queue_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace pricescrape::queue

namespace pricescrape::queue::redis {

namespace {

using steady = std::chrono::steady_clock;

std::string errno_text(int e) { return std::strerror(e); }

reply from_hiredis(const redisReply* r) {
  reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.kind = reply::type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.kind = r->type == REDIS_REPLY_STRING   ? reply::type::string
                 : r->type == REDIS_REPLY_STATUS ? reply::type::status
                                                 : reply::type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = reply::type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(from_hiredis(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return out;
}

// Error replies of a server that will answer properly soon (Redis's own list of
// transient states), as opposed to a refusal.
bool is_passing_state(std::string_view error) {
  for (std::string_view prefix :
       {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN", "MISCONF"}) {
    // The whole first word: BUSYGROUP (a group that exists) is not BUSY.
    if (error.substr(0, prefix.size()) == prefix &&
        (error.size() == prefix.size() || error[prefix.size()] == ' '))
      return true;
  }
  return false;
}

// The hiredis reader, freed on every path.
struct reader_deleter {
  void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};
struct ssl_ctx_deleter {
  void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
struct ssl_deleter {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};

std::string ssl_error_text() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

long long reply::as_integer(long long fallback) const {
  if (kind == type::integer) return integer;
  if (kind == type::string || kind == type::status) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec == std::errc{} && end == str.data() + str.size()) return v;
  }
  return fallback;
}

const reply& expect_ok(const reply& r, std::string_view what) {
  if (r.is_error()) throw queue_error("Redis refused " + std::string(what) + ": " + r.str);
  return r;
}

struct connection::impl {
  address where;
  int fd = -1;
  std::unique_ptr<SSL_CTX, ssl_ctx_deleter> ctx;
  std::unique_ptr<SSL, ssl_deleter> ssl;
  std::unique_ptr<redisReader, reader_deleter> reader{redisReaderCreate()};

  ~impl() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void lost(const std::string& why) const {
    throw connection_error("Redis at " + where.display() + ": " + why);
  }

  // Waits until the socket is ready for `events` or the deadline passes.
  void wait_for(short events, steady::time_point deadline) const {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) lost("timed out");
      pollfd p{fd, events, 0};
      const int n = ::poll(&p, 1, static_cast<int>(left.count()));
      if (n > 0) return;
      if (n < 0 && errno != EINTR) lost(errno_text(errno));
    }
  }

  void connect_tcp(steady::time_point deadline) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const auto port = std::to_string(where.port);
    if (int rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      lost(std::string("cannot resolve the host: ") + ::gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
    std::string last = "no address";
    for (auto* ai = found; ai; ai = ai->ai_next) {
      fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
        try {
          wait_for(POLLOUT, deadline);
        } catch (const connection_error&) {
          ::close(std::exchange(fd, -1));
          throw;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) {
          const int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          return;
        }
        last = errno_text(err);
      } else {
        last = errno_text(errno);
      }
      ::close(std::exchange(fd, -1));
    }
    lost("cannot connect: " + last);
  }

  void start_tls(steady::time_point deadline) {
    ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!ctx) lost(ssl_error_text());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    const bool loaded = where.cacert.empty() ? SSL_CTX_set_default_verify_paths(ctx.get()) == 1
                                             : SSL_CTX_load_verify_locations(
                                                   ctx.get(), where.cacert.c_str(), nullptr) == 1;
    if (!loaded)
      throw queue_error("cannot load the CA certificates for " + where.display() + ": " +
                        ssl_error_text());
    ssl.reset(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    // An IP address is checked against the certificate's IP entries, a name against
    // its DNS names (and sent as SNI).
    in6_addr probe{};
    const bool is_ip = ::inet_pton(AF_INET, where.host.c_str(), &probe) == 1 ||
                       ::inet_pton(AF_INET6, where.host.c_str(), &probe) == 1;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), where.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl.get(), where.host.c_str());
      SSL_set1_host(ssl.get(), where.host.c_str());
    }
    for (;;) {
      const int rc = SSL_connect(ssl.get());
      if (rc == 1) return;
      wait_for_tls(rc, deadline, "TLS handshake failed");
    }
  }

  // After a TLS call that did not complete: waits for what it wants, or fails with
  // `what` and the reason.
  void wait_for_tls(int rc, steady::time_point deadline, const char* what) const {
    const int e = SSL_get_error(ssl.get(), rc);
    if (e == SSL_ERROR_WANT_READ)
      wait_for(POLLIN, deadline);
    else if (e == SSL_ERROR_WANT_WRITE)
      wait_for(POLLOUT, deadline);
    else if (e == SSL_ERROR_ZERO_RETURN)
      lost("closed by the server");
    else
      lost(std::string(what) + ": " + ssl_error_text());
  }

  void write_all(std::string_view data, steady::time_point deadline) {
    while (!data.empty()) {
      if (ssl) {
        std::size_t n = 0;
        const int rc = SSL_write_ex(ssl.get(), data.data(), data.size(), &n);
        if (rc == 1)
          data.remove_prefix(n);
        else
          wait_for_tls(rc, deadline, "TLS write failed");
        continue;
      }
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        wait_for(POLLOUT, deadline);
      } else {
        lost("write failed: " + errno_text(errno));
      }
    }
  }

  // Reads some bytes into the reader.
  void read_some(steady::time_point deadline) {
    char buf[16384];
    for (;;) {
      if (ssl) {
        std::size_t n = 0;
        const int rc = SSL_read_ex(ssl.get(), buf, sizeof buf, &n);
        if (rc == 1) return feed(buf, n);
        wait_for_tls(rc, deadline, "TLS read failed");
        continue;
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) return feed(buf, static_cast<std::size_t>(n));
      if (n == 0) lost("closed by the server");
      if (errno == EAGAIN || errno == EINTR)
        wait_for(POLLIN, deadline);
      else
        lost("read failed: " + errno_text(errno));
    }
  }

  void feed(const char* data, std::size_t n) {
    if (redisReaderFeed(reader.get(), data, n) != REDIS_OK) lost("bad reply from the server");
  }

  reply read_reply(steady::time_point deadline) {
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) lost("bad reply from the server");
      if (raw) {
        std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(static_cast<redisReply*>(raw),
                                                                      freeReplyObject);
        auto r = from_hiredis(owned.get());
        // A server that is starting, failing over or busy with a script answers so for a
        // while: like a lost connection, it is waited out, never a verdict on the queue.
        if (r.is_error() && is_passing_state(r.str)) lost("not ready: " + r.str);
        return r;
      }
      read_some(deadline);
    }
  }
};

namespace {

std::string format_command(const command_args& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  const int n =
      redisFormatCommandArgv(&out, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0) throw std::bad_alloc();
  std::string text(out, static_cast<std::size_t>(n));
  redisFreeCommand(out);
  return text;
}

}  // namespace

connection::connection(const address& where) : impl_(std::make_unique<impl>()) {
  impl_->where = where;
  const auto deadline = steady::now() + 5s;
  impl_->connect_tcp(deadline);
  if (where.tls) impl_->start_tls(deadline);
  if (!where.password.empty()) {
    command_args auth{"AUTH"};
    if (!where.user.empty()) auth.push_back(where.user);
    auth.push_back(where.password);
    const auto r = command(auth);
    if (r.is_error())
      throw queue_error("Redis at " + where.display() + " refused the password: " + r.str);
  }
  if (where.db != 0) {
    const auto r = command({"SELECT", std::to_string(where.db)});
    if (r.is_error())
      throw queue_error("Redis at " + where.display() + " refused the database: " + r.str);
  }
}

connection::~connection() = default;

reply connection::command(const command_args& args, std::chrono::milliseconds deadline) {
  const auto until = steady::now() + deadline;
  impl_->write_all(format_command(args), until);
  return impl_->read_reply(until);
}

std::vector<reply> connection::pipeline(const std::vector<command_args>& commands,
                                        std::chrono::milliseconds deadline) {
  const auto until = steady::now() + deadline;
  std::string wire;
  for (const auto& c : commands) wire += format_command(c);
  impl_->write_all(wire, until);
  std::vector<reply> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) out.push_back(impl_->read_reply(until));
  return out;
}

std::chrono::milliseconds backoff_after(std::size_t failures) {
  if (failures == 0) return 0ms;
  const auto shift = std::min<std::size_t>(failures - 1, 6);
  return std::min<std::chrono::milliseconds>(100ms * (1 << shift), 5s);
}

lane::lane(address where, std::string name) : where_(std::move(where)), name_(std::move(name)) {
  thread_ = std::thread([this] { run(); });
}

lane::~lane() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& t : tasks_)
    if (t.failed) t.failed();
}

void lane::post(task t) {
  {
    std::lock_guard lock(mutex_);
    if (!stop_) {
      tasks_.push_back(std::move(t));
      t.failed = nullptr;
    }
  }
  if (t.failed) t.failed();
  wake_.notify_all();
}

bool lane::drain(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, limit, [this] { return tasks_.empty() && !busy_; });
}

std::size_t lane::reconnects() const {
  std::lock_guard lock(mutex_);
  return reconnects_;
}

// Called and returns with `lock` held; connects without it. False when stopping.
bool lane::connect(std::unique_lock<std::mutex>& lock) {
  while (!conn_) {
    if (stop_) return false;
    const auto wait = backoff_after(failures_);
    if (wait.count() > 0 && wake_.wait_for(lock, wait, [this] { return stop_; })) return false;
    lock.unlock();
    std::unique_ptr<connection> fresh;
    std::string why;
    try {
      fresh = std::make_unique<connection>(where_);
    } catch (const std::exception& e) {
      why = e.what();
    }
    lock.lock();
    if (fresh) {
      if (failures_ > 0) {
        spdlog::info("{}: connected to Redis again", name_);
        ++reconnects_;
      }
      conn_ = std::move(fresh);
      failures_ = 0;
    } else {
      ++failures_;
      spdlog::warn("{}: {}; retrying in {} ms", name_, why, backoff_after(failures_).count());
      // A `once` task at the head is answered now rather than after the backoff.
      if (!tasks_.empty() && tasks_.front().once) {
        auto t = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        if (t.failed) t.failed();
        lock.lock();
      }
    }
  }
  return true;
}

// Runs the head task once; false when it lost the connection (retried unless `once`).
bool lane::run_one(task& t, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  bool ok = true;
  try {
    t.run(*conn_);
  } catch (const connection_error& e) {
    ok = false;
    spdlog::warn("{}: lost the connection: {}", name_, e.what());
  } catch (const std::exception& e) {
    // A server answer a queue never holds: reported, the task dropped (a `once` task
    // still gets its answer).
    spdlog::error("{}: {}", name_, e.what());
    if (t.once && t.failed) t.failed();
  }
  lock.lock();
  if (!ok) {
    conn_.reset();
    ++failures_;
  }
  return ok;
}

void lane::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
    if (stop_) return;
    busy_ = true;
    if (!connect(lock)) {
      busy_ = false;
      return;
    }
    if (tasks_.empty()) {
      busy_ = false;
      idle_.notify_all();
      continue;
    }
    task t = std::move(tasks_.front());
    tasks_.pop_front();
    if (!run_one(t, lock)) {
      if (t.once) {
        lock.unlock();
        if (t.failed) t.failed();
        lock.lock();
      } else {
        tasks_.push_front(std::move(t));
      }
    }
    busy_ = false;
    if (tasks_.empty()) idle_.notify_all();
  }
}

}  // namespace pricescrape::queue::redis
