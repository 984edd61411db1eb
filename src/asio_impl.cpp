// The one translation unit that compiles Asio, Beast and their OpenSSL glue.
// Every other source includes the headers with the *_SEPARATE_COMPILATION macros
// set (see CMakeLists.txt), so this ~30 s of template code is built once.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
