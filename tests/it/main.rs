mod fetch;
mod http;
