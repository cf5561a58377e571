# The install step of a build: R's own machinery decides what a package needs and installs it.
# Run by dependency-installer.ts inside the sandbox, twice at most:
#   Rscript install-dependencies.R plan     no network needed, no lock: is everything already there?
#   Rscript install-dependencies.R install  under the cache lock, with the network: install what is not
# Input from the environment: RFARM_DESCRIPTION (the package's DESCRIPTION), RFARM_WHICH (dependency
# fields, comma-separated), RFARM_PROVIDED (packages the build installs itself, left out: the
# submitted version a reverse dependency is checked against), RFARM_REPOS (repositories,
# comma-separated, in order), RFARM_LIBRARY (the shared cache library), RFARM_STAGING (an empty
# library on the same file system).
# Its result for the agent goes to the file RFARM_RESULT as "rfarm-<name>: <value>" lines (never to
# the console the user reads); the exit status says which kind: 0 ready, 3 (plan) something to
# install, 10 not in any repository, 11 a repository unreachable, 12 a dependency failed to install,
# 13 a download failed. A Suggests no repository has is not the install step's failure: R CMD check
# reports it in its own words (an ERROR unless _R_CHECK_FORCE_SUGGESTS_ is false), as a bare check does.
local({
  options(warn = 1, useFancyQuotes = FALSE, install.packages.compile.from.source = "always")
  mode <- commandArgs(trailingOnly = TRUE)[1]
  split <- function(text) { parts <- trimws(strsplit(text, ",", fixed = TRUE)[[1]]); parts[nzchar(parts)] }
  which <- split(Sys.getenv("RFARM_WHICH"))
  repos <- split(Sys.getenv("RFARM_REPOS"))
  provided <- split(Sys.getenv("RFARM_PROVIDED"))
  library <- Sys.getenv("RFARM_LIBRARY")
  staging <- Sys.getenv("RFARM_STAGING")
  result <- function(status, lines = character()) {
    writeLines(paste0("rfarm-", lines), Sys.getenv("RFARM_RESULT"))
    quit(save = "no", status = status)
  }

  description <- read.dcf(textConnection(Sys.getenv("RFARM_DESCRIPTION")), all = TRUE)
  fields <- intersect(which, colnames(description))
  requirements <- tryCatch(
    unlist(lapply(fields, function(field) tools:::.split_dependencies(description[1, field])), recursive = FALSE),
    # A malformed field is the package's to fix; R CMD check says so in its own words.
    error = function(e) { cat("cannot read the dependency fields:", conditionMessage(e), "\n"); result(0, "ready") }
  )
  base <- rownames(installed.packages(priority = "base"))
  requirements <- requirements[!names(requirements) %in% c("R", base, description[1, "Package"], provided)]
  requirements <- requirements[!duplicated(names(requirements))]
  hardNames <- if (length(intersect(fields, c("Depends", "Imports", "LinkingTo")))) {
    names(unlist(lapply(intersect(fields, c("Depends", "Imports", "LinkingTo")), function(field) tools:::.split_dependencies(description[1, field])), recursive = FALSE))
  } else character()

  # Where R would load each requirement from (the first library on the path), and whether that
  # version is good enough: the same answer library() and R CMD check will give.
  # The operator comes from the package's DESCRIPTION: compare with a fixed table, never by calling
  # a function it names.
  satisfies <- function(version, requirement) {
    if (is.null(requirement$op)) return(TRUE)
    switch(requirement$op,
      ">=" = version >= requirement$version, ">" = version > requirement$version,
      "<=" = version <= requirement$version, "<" = version < requirement$version,
      "==" = version == requirement$version, "!=" = version != requirement$version,
      FALSE)
  }
  describe <- function(requirement) {
    path <- find.package(requirement$name, quiet = TRUE)
    if (!length(path)) return(list(ok = FALSE, text = "not installed"))
    version <- packageVersion(requirement$name, lib.loc = dirname(path[1]))
    ok <- satisfies(version, requirement)
    where <- if (normalizePath(dirname(path[1])) == normalizePath(library, mustWork = FALSE)) "dependency cache" else dirname(path[1])
    list(ok = ok, text = sprintf("%s %s (%s)", requirement$name, version, where))
  }
  wanted <- function(requirement) {
    if (is.null(requirement$op)) requirement$name else sprintf("%s (%s %s)", requirement$name, requirement$op, requirement$version)
  }
  states <- lapply(requirements, describe)
  ready <- vapply(states, `[[`, logical(1), "ok")
  if (!length(requirements)) cat("no dependencies to install (fields:", paste(which, collapse = ", "), ")\n")
  if (mode == "plan") for (state in states[ready]) cat("already available:", state$text, "\n")
  todo <- requirements[!ready]
  if (!length(todo)) result(0, "ready")
  if (mode == "plan") {
    cat("to install:", paste(vapply(todo, wanted, ""), collapse = ", "), "\n")
    result(3, paste("needs:", paste(names(todo), collapse = " ")))
  }

  # Under the lock from here on.
  if (!length(repos)) {
    soft <- !names(todo) %in% hardNames
    if (any(soft)) cat("suggested but not installed, and no repository is configured (R CMD check will say so):", paste(vapply(todo[soft], wanted, ""), collapse = ", "), "\n")
    if (all(soft)) result(0, "ready")
    result(10, c(paste("missing:", paste(vapply(todo[!soft], wanted, ""), collapse = ", ")), "repos: (none configured: set FARM_R_REPOS)"))
  }
  unreachable <- character()
  for (repo in repos) {
    withCallingHandlers(
      available.packages(repos = repo, type = "source"),
      warning = function(w) {
        if (grepl("unable to access index", conditionMessage(w))) unreachable <<- c(unreachable, repo)
        invokeRestart("muffleWarning")
      }
    )
  }
  available <- suppressWarnings(available.packages(repos = repos, type = "source"))
  hard <- c("Depends", "Imports", "LinkingTo")
  usable <- vapply(todo, function(requirement) {
    requirement$name %in% rownames(available) &&
      satisfies(package_version(available[requirement$name, "Version"]), requirement)
  }, logical(1))
  suggested <- !usable & !names(todo) %in% hardNames
  if (any(suggested)) {
    cat("suggested but not available from any repository (R CMD check will say so):", paste(vapply(todo[suggested], wanted, ""), collapse = ", "), "\n")
    todo <- todo[!suggested]
    usable <- usable[!suggested]
    if (!length(todo)) result(0, "ready")
  }
  missing <- vapply(todo[!usable], wanted, "")
  closure <- unique(unlist(tools::package_dependencies(names(todo)[usable], db = available, which = hard, recursive = TRUE)))
  installed <- rownames(installed.packages())
  deep <- setdiff(closure, c(rownames(available), installed, base))
  missing <- c(missing, if (length(deep)) paste(deep, "(needed by a dependency)"))
  if (length(missing)) {
    if (length(unreachable)) result(11, paste("unreachable:", paste(unreachable, collapse = " ")))
    result(10, c(paste("missing:", paste(missing, collapse = ", ")), paste("repos:", paste(repos, collapse = " "))))
  }

  unlink(staging, recursive = TRUE)
  dir.create(staging, recursive = TRUE)
  failures <- character()
  downloads <- character()
  withCallingHandlers(
    install.packages(names(todo), lib = staging, repos = repos, type = "source", dependencies = hard, Ncpus = 2L),
    warning = function(w) {
      text <- conditionMessage(w)
      if (grepl("download of package", text)) downloads <<- c(downloads, text)
      else if (grepl("had non-zero exit status", text)) failures <<- c(failures, sub(".*package '([^']+)'.*", "\\1", text))
    }
  )
  new <- setdiff(list.files(staging), grep("^00LOCK", list.files(staging), value = TRUE))
  # Each package directory appears in the shared library in one rename: a reader sees all of it or none.
  # A replaced version moves aside rather than away: a running check may still have it open.
  retired <- file.path(dirname(library), "retired")
  for (name in new) {
    target <- file.path(library, name)
    if (file.exists(target)) {
      dir.create(retired, showWarnings = FALSE)
      file.rename(target, file.path(retired, paste0(name, "-", format(Sys.time(), "%Y%m%d%H%M%OS3"))))
    }
    file.rename(file.path(staging, name), target)
  }
  unlink(staging, recursive = TRUE)
  for (name in new) {
    version <- packageVersion(name, lib.loc = library)
    cat(sprintf("installed into the dependency cache: %s %s (from %s)\n", name, version,
                if (name %in% rownames(available)) available[name, "Repository"] else "?"))
  }
  lines <- paste("installed:", paste(new, collapse = " "))
  if (length(downloads)) result(13, c(lines, paste("download-failed:", paste(downloads, collapse = "; "))))
  absent <- setdiff(names(todo), new)
  if (length(failures) || length(absent)) result(12, c(lines, paste("failed:", paste(unique(c(failures, absent)), collapse = " "))))
  result(0, c(lines, "ready"))
})
