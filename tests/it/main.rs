mod compare;
mod gate;
