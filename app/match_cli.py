"""`qibu match train` and `qibu match evaluate`: learn from and measure on recorded outcomes."""

import json

import click
from flask.cli import with_appcontext

import matching
from app.services import matching as services
from app.services.categories import category_classifier, suggest_category


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
    outcomes = services.recorded_outcomes()
    if outcomes.empty or not (outcomes["outcome"] != "none").any():
        raise click.ClickException(
            "No interest, intent or hire has been recorded yet; nothing to learn from."
        )
    seekers, openings = services.all_frames()
    taxonomy, geography = services.reference()
    prepared = matching.prepare_openings(openings, taxonomy=taxonomy, geography=geography)
    model = matching.fit_matcher(seekers, prepared, outcomes, positive=positive)
    path = services.save_model(model, activate=activate)
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
    """Fit the job-title classifier now and cache it (install time), so that the first
    opening form or posting import does not wait for it; a no-op when it is cached."""
    category_classifier()
    code, confidence = suggest_category("叉车司机")
    click.echo(f"Title classifier ready (叉车司机 -> {code}, {confidence:.2f}).")
