// Precompiled header for the networking sources: the Asio, Beast and SSL headers
// that every one of them needs and that dominate their compile time.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
