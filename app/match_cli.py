"""`qibu match`: train and evaluate the matcher; evaluate the job-title classifier."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

import matching
from app.services import matching as services
from app.services.categories import (
    category_classifier,
    learn_corrections,
    learned_corrections,
    suggest_category,
)
from matching.categorize import CONFIRM_BELOW, evaluate_heldout_titles, read_category_heldout
from models import db


@click.group("match")
def match_group():
    """Train and evaluate the matcher on recorded outcomes."""


@match_group.command("train")
@click.option("--positive", type=click.Choice(["interest", "intent", "hire"]),
              default="interest", show_default=True,
              help="The lowest outcome that counts as a success.")
@click.option("--activate/--no-activate", default=True, show_default=True,
              help="Make the new model the one the app uses.")
@with_appcontext
def train_command(positive, activate):
    """Refit the matcher's weights from recorded interests, intents and hires."""
    try:
        model, path = services.train_matcher(positive=positive, activate=activate)
        db.session.commit()  # kept in the database: every host ranks with it
    except services.NothingToLearn:
        raise click.ClickException(
            "No interest, intent or hire has been recorded yet; nothing to learn from."
        ) from None
    click.echo(f"Trained matcher {model.version_} on {model.training_.get('n_pairs', '?')} pairs "
               f"({json.dumps(model.training_.get('outcome_counts', {}))}); saved to {path}"
               + ("; now active." if activate else "."))
    click.echo("Weights:")
    for name, weight in model.weights.items():
        click.echo(f"  {name:<24} {weight:+.3f}")


@match_group.command("evaluate")
@click.option("-k", "k", default=10, show_default=True, help="Recommendations per seeker.")
@click.option("--test-size", default=0.3, show_default=True,
              help="Share of seekers held out when training a model to evaluate.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@with_appcontext
def evaluate_command(k, test_size, as_json):
    """Compare the matcher with baselines on recorded outcomes (a held-out split)."""
    outcomes = services.recorded_outcomes()
    if outcomes.empty:
        raise click.ClickException("No outcomes have been recorded yet; nothing to evaluate.")
    seekers, openings = services.all_frames()
    taxonomy, geography = services.reference()
    prepared = matching.prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    train, test = matching.split_outcomes(outcomes, test_size=test_size)
    rows = {}
    expert = matching.evaluate_baselines(seekers, prepared, test, k=k, train_outcomes=train)
    rows["expert weights"] = expert
    if (train["outcome"] != "none").any():
        fitted = matching.fit_matcher(seekers, prepared, train)
        learned = matching.evaluate_baselines(seekers, prepared, test, k=k, model=fitted,
                                              train_outcomes=train)
        learned = learned.loc[["matcher"]].rename(index={"matcher": "matcher (trained)"})
        rows["trained"] = learned
    table = expert.rename(index={"matcher": "matcher (expert weights)"})
    if "trained" in rows:
        table = table.combine_first(rows["trained"]).loc[
            ["matcher (trained)", "matcher (expert weights)", "random", "most_popular",
             "category_only", "tfidf_cosine"]
        ]
    if as_json:
        click.echo(table.reset_index(names="method").to_json(orient="records", force_ascii=False))
        return
    click.echo(f"Held-out evaluation at k={k}: {len(test)} outcomes of "
               f"{test['seeker_id'].nunique()} seekers (trained on {len(train)}).")
    click.echo(table.to_string(float_format=lambda v: f"{v:.3f}"))


@match_group.command("fit-categories")
@with_appcontext
def fit_categories_command():
    """Fit the job-title classifier now and cache it: on its training file plus the
    categories staff set where it was wrong or unsure (kept whenever staff set an
    opening's category). Run it at install time, so that the first opening form or
    posting import does not wait, and after staff corrections, so that it learns them;
    a no-op when nothing changed."""
    _model, new = learn_corrections()
    db.session.commit()
    learned = len(learned_corrections())
    code, confidence = suggest_category("叉车司机")
    click.echo(f"Title classifier ready (叉车司机 -> {code}, {confidence:.2f}); learned from "
               f"{learned} titles staff corrected ({new} new).")


# Real posting titles never trained on; built by seed_data/build_category_training.py.
HELDOUT_TITLES = (
    Path(__file__).resolve().parent.parent / "tests" / "matching" / "data" / "category_heldout.csv"
)


@match_group.command("evaluate-categories")
@click.option("--heldout", "heldout_path", type=click.Path(dir_okay=False, path_type=Path),
              default=HELDOUT_TITLES, show_default="tests/matching/data/category_heldout.csv",
              help="CSV of real job titles with columns title and category.")
@click.option("--confusions", default=10, show_default=True,
              help="How many of the most frequent wrong suggestions to list.")
@with_appcontext
def evaluate_categories_command(heldout_path, confusions):
    """Measure the job-title classifier on held-out real posting titles: accuracy, the
    most frequent wrong suggestions, and what each confidence threshold would let through."""
    if not heldout_path.is_file():
        raise click.ClickException(
            f"Held-out titles not found at {heldout_path}. Run "
            "`python seed_data/build_category_training.py` or pass --heldout FILE."
        )
    try:
        heldout = read_category_heldout(heldout_path)
        report = evaluate_heldout_titles(category_classifier(), heldout,
                                         top_confusions=confusions)
    except ValueError as error:
        raise click.ClickException(f"{heldout_path}: {error}") from error

    click.echo(f"Title classifier on {report['n']} held-out real posting titles "
               f"({heldout_path.name}; {report['n_uncovered']} left out: category unknown).")
    click.echo(f"  top-1 accuracy {report['top1']:.1%}   top-3 accuracy {report['top3']:.1%}")
    click.echo("  by category (titles, top-1): " + ", ".join(
        f"{row.Index} {row.n} {row.top1:.0%}" for row in report["per_category"].itertuples()
    ))

    table = report["confusions"]
    click.echo("Most frequent wrong suggestions (category -> suggested: titles):")
    if table.empty:
        click.echo("  none")
    for row in table.itertuples(index=False):
        click.echo(f"  {row.category} -> {row.suggested}: {row.count}  ({row.examples})")

    click.echo(f"Confidence thresholds (a suggestion below {CONFIRM_BELOW:.2f} must be confirmed "
               "by staff):")
    click.echo("  threshold  titles above  share  accuracy above  accuracy below")
    for row in report["thresholds"].itertuples(index=False):
        marker = "  <- CONFIRM_BELOW" if abs(row.threshold - CONFIRM_BELOW) < 1e-9 else ""
        click.echo(f"  {row.threshold:9.2f}  {row.n_above:12d}  {row.share_above:5.0%}  "
                   f"{_percent(row.accuracy_above):>14}  {_percent(row.accuracy_below):>14}"
                   f"{marker}")


def _percent(value):
    return "-" if value != value else f"{value:.1%}"  # NaN when no title is on that side


@match_group.command("rank-city")
@click.option("--months", default=6, show_default=True, type=click.IntRange(1, 24),
              help="Rank everyone due for release within this many months.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="With a queue: wait for the workers to finish and print the progress.")
@with_appcontext
def rank_city_command(months, wait):
    """Rank everyone due for release, in every facility, against every open opening and
    store each person's best openings (the nightly run). With QIBU_REDIS_URL the blocks
    go to the queue, shared by every `qibu worker`; without, they run here."""
    import time

    import sqlalchemy as sa
    from flask import current_app

    from app.jobs.kinds import queue_city_ranking
    from models import Job, JobState, RankingRun

    if not current_app.config["REDIS_URL"]:
        current_app.config["JOBS_SYNC"] = True  # one after the other, in this command
    started = time.perf_counter()
    run, jobs = queue_city_ranking(months)
    click.echo(f"Ranking run {run.id}: {run.n_seekers} people due within {months} months, "
               f"{run.blocks_total} blocks.")
    shown = None
    while wait and not run.finished:
        time.sleep(1)
        db.session.expire_all()
        run = db.session.get(RankingRun, run.id)
        if run.blocks_done != shown:
            shown = run.blocks_done
            click.echo(f"  {run.blocks_done}/{run.blocks_total} blocks written")
        failed = db.session.scalar(sa.select(sa.func.count(Job.id)).where(
            Job.id.in_([j.id for j in jobs]), Job.state == JobState.FAILED))
        if failed:
            raise click.ClickException(
                f"{failed} block(s) failed; see /admin/jobs and try them again.")
    if run.finished:
        click.echo(f"Done in {time.perf_counter() - started:.1f} s: {run.n_seekers} people "
                   f"ranked against {run.n_openings} open openings.")
