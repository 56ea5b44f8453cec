mod compare;
mod engine;
mod gate;
mod serve;
