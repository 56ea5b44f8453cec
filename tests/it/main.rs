mod compare;
mod engine;
mod gate;
mod load;
mod run;
mod serve;
mod snapshot;
mod validate;
