mod engine;
mod run;
mod serve;
