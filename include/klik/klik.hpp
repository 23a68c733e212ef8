#pragma once
/// @file klik.hpp
/// @brief Light umbrella: the model, its JSON and the generator. Heavier parts
/// (calendar, rights, stores, queries) have their own headers; include what you use.

#include "klik/dataset.hpp"
#include "klik/date.hpp"
#include "klik/enums.hpp"
#include "klik/error.hpp"
#include "klik/ids.hpp"
#include "klik/json.hpp"
#include "klik/model.hpp"
#include "klik/municipalities.hpp"
#include "klik/synthetic.hpp"
#include "klik/text.hpp"
#include "klik/version.hpp"
