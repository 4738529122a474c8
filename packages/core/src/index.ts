// @tether/core: the domain rules every part of the host applies the same way.
export {};
