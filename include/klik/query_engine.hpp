#pragma once
/// @file query_engine.hpp
/// @brief The query engine, one header for all of it: evaluates lists for a
/// viewer over a store's indexes.
///
/// Each topic has its own header; include the one you need:
/// - task_list.hpp: the task list (pages, cursors, quick status, columns);
/// - national_views.hpp: KOMBIT's national views;
/// - project_user_lists.hpp: the project and user lists and their filters;
/// - rights.hpp: visibility_sql, the viewer's task scope as a SQL WHERE fragment.

#include "klik/national_views.hpp"
#include "klik/project_user_lists.hpp"
#include "klik/rights.hpp"
#include "klik/task_list.hpp"
