mod compare;
mod engine;
mod gate;
mod run;
mod serve;
