mod engine;
mod serve;
