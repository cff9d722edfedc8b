//! SELECT, COUNT and the related-rows join in each dialect.

use super::*;
use crate::plan::AggregateFunction;
use crate::related::{JunctionQuery, RelatedQuery};

fn ints(values: &[i64]) -> Vec<BoundValue> {
    values.iter().copied().map(BoundValue::Integer).collect()
}

#[test]
fn a_select_quotes_qualifies_casts_and_places_its_binds_per_dialect() {
    let lite = select(&Lite, &query(Some(10), 0));
    assert_eq!(
        lite.sql,
        "SELECT \"id\", \"title\", \"due\" FROM \"to\"\"do`s\" WHERE \"owner\" > ? \
         ORDER BY \"id\" ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(lite.binds, ints(&[1, 10, 0]));
    let pg = select(&Pg("public"), &query(Some(10), 0));
    assert_eq!(
        pg.sql,
        "SELECT \"id\", \"title\", \"due\"::text FROM \"public\".\"to\"\"do`s\" \
         WHERE \"owner\" > $1 ORDER BY \"id\" ASC LIMIT $2"
    );
    assert_eq!(pg.binds, ints(&[1, 10]));
    let my = select(&My, &query(Some(10), 0));
    assert_eq!(
        my.sql,
        "SELECT `id`, `title`, CAST(`due` AS CHAR) FROM `to\"do``s` WHERE `owner` > ? \
         ORDER BY `id` ASC LIMIT ?"
    );
    assert_eq!(my.binds, ints(&[1, 10]));
}

#[test]
fn the_every_column_list_kept_by_a_table_is_each_dialects_own() {
    // A read by key selects every column, then the key again to match rows to ids. The
    // table keeps the first dialect's list; another dialect writes its own.
    let table = table();
    let every = table.column_refs().chain([col(&table, "id")]);
    let by_key = SelectQuery {
        projection: every.map(Projection::Column).collect(),
        condition: Some(compare(&table, "id", ComparisonOp::Eq, 7)),
        group_by: Vec::new(),
        order_by: Vec::new(),
        limit: Some(1),
        offset: 0,
        table,
    };
    let pg = "SELECT \"id\", \"owner\", \"title\", \"due\"::text, \"score\", \"id\" \
              FROM \"public\".\"to\"\"do`s\" WHERE \"id\" = $1 LIMIT $2";
    let my = "SELECT `id`, `owner`, `title`, CAST(`due` AS CHAR), `score`, `id` \
              FROM `to\"do``s` WHERE `id` = ? LIMIT ?";
    for _ in 0..2 {
        assert_eq!(select(&Pg("public"), &by_key).sql, pg);
        assert_eq!(select(&My, &by_key).sql, my);
    }
}

#[test]
fn limit_and_offset_follow_each_dialects_syntax() {
    let tail = |sql: String| sql[sql.find(" ASC").expect("order") + 4..].to_owned();
    let cases: [(Option<u64>, u64, &str, &str, &str); 4] = [
        (None, 0, "", "", ""),
        (Some(5), 0, " LIMIT ? OFFSET ?", " LIMIT $2", " LIMIT ?"),
        (
            None,
            7,
            " LIMIT ? OFFSET ?",
            " OFFSET $2",
            " LIMIT 18446744073709551615 OFFSET ?",
        ),
        (
            Some(5),
            7,
            " LIMIT ? OFFSET ?",
            " LIMIT $2 OFFSET $3",
            " LIMIT ? OFFSET ?",
        ),
    ];
    for (limit, offset, lite, pg, my) in cases {
        let query = query(limit, offset);
        assert_eq!(tail(select(&Lite, &query).sql), lite, "{limit:?} {offset}");
        assert_eq!(tail(select(&Pg("s"), &query).sql), pg, "{limit:?} {offset}");
        assert_eq!(tail(select(&My, &query).sql), my, "{limit:?} {offset}");
    }
    // SQLite's "no limit" is a negative LIMIT.
    assert_eq!(select(&Lite, &query(None, 7)).binds, ints(&[1, -1, 7]));
}

#[test]
fn nulls_order_is_keywords_or_a_leading_is_null_term() {
    let mut query = query(None, 0);
    query.order_by[0].descending = true;
    query.order_by[0].nulls = Some(NullsOrder::Last);
    query.order_by.push(OrderTerm {
        column: col(&query.table, "owner"),
        descending: false,
        nulls: Some(NullsOrder::First),
    });
    assert!(
        select(&Pg("s"), &query)
            .sql
            .ends_with(" ORDER BY \"id\" DESC NULLS LAST, \"owner\" ASC NULLS FIRST")
    );
    assert!(
        select(&My, &query)
            .sql
            .ends_with(" ORDER BY `id` IS NULL ASC, `id` DESC, `owner` IS NULL DESC, `owner` ASC")
    );
}

#[test]
fn aggregates_are_cast_to_json_friendly_types_where_the_dialect_says() {
    let mut query = query(None, 0);
    let table = Arc::clone(&query.table);
    let aggregate = |function, name: Option<&str>| Projection::Aggregate {
        function,
        column: name.map(|name| col(&table, name)),
    };
    query.projection = vec![
        Projection::Column(col(&table, "title")),
        aggregate(AggregateFunction::Count, None),
        aggregate(AggregateFunction::Sum, Some("owner")),
        aggregate(AggregateFunction::Avg, Some("score")),
        aggregate(AggregateFunction::Max, Some("due")),
    ];
    query.condition = None;
    query.group_by = vec![col(&table, "title")];
    query.order_by.clear();
    assert_eq!(
        select(&Lite, &query).sql,
        "SELECT \"title\", COUNT(*), SUM(\"owner\"), AVG(\"score\"), MAX(\"due\") \
         FROM \"to\"\"do`s\" GROUP BY \"title\""
    );
    assert_eq!(
        select(&Pg("s"), &query).sql,
        "SELECT \"title\", COUNT(*), SUM(\"owner\")::bigint, AVG(\"score\")::double precision, \
         MAX(\"due\")::text FROM \"s\".\"to\"\"do`s\" GROUP BY \"title\""
    );
    assert_eq!(
        select(&My, &query).sql,
        "SELECT `title`, COUNT(*), CAST(SUM(`owner`) AS SIGNED), CAST(AVG(`score`) AS DOUBLE), \
         CAST(MAX(`due`) AS CHAR) FROM `to\"do``s` GROUP BY `title`"
    );
}

#[test]
fn counts_drop_paging_and_count_groups_in_a_named_or_unnamed_derived_table() {
    let mut query = query(Some(5), 3);
    assert_eq!(
        count(&Pg("s"), &query).sql,
        "SELECT COUNT(*) FROM \"s\".\"to\"\"do`s\" WHERE \"owner\" > $1"
    );
    query.group_by = vec![col(&query.table, "title")];
    assert_eq!(
        count(&Lite, &query).sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM \"to\"\"do`s\" WHERE \"owner\" > ? GROUP BY \"title\")"
    );
    assert_eq!(
        count(&Pg("s"), &query).sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM \"s\".\"to\"\"do`s\" WHERE \"owner\" > $1 \
         GROUP BY \"title\") AS \"grouped\""
    );
    assert_eq!(
        count(&My, &query).sql,
        "SELECT COUNT(*) FROM (SELECT 1 FROM `to\"do``s` WHERE `owner` > ? GROUP BY `title`) \
         AS `grouped`"
    );
}

#[test]
fn conditions_use_each_dialects_truth_values_like_casts_and_escapes() {
    let mut query = query(None, 0);
    let table = Arc::clone(&query.table);
    let like = |name: &str, escaped| Condition::Like {
        column: col(&table, name),
        pattern: r"a\%".into(),
        escaped,
        negated: false,
    };
    query.condition = Some(Condition::And(vec![
        Condition::Or(Vec::new()),
        Condition::And(Vec::new()),
        like("owner", false),
        like("title", true),
    ]));
    query.order_by.clear();
    let where_clause = |sql: String| sql[sql.find(" WHERE ").expect("where")..].to_owned();
    assert_eq!(
        where_clause(select(&Lite, &query).sql),
        " WHERE (0 AND 1 AND \"owner\" LIKE ? AND \"title\" LIKE ? ESCAPE '\\')"
    );
    assert_eq!(
        where_clause(select(&Pg("s"), &query).sql),
        " WHERE (FALSE AND TRUE AND \"owner\"::text LIKE $1 ESCAPE '' AND \"title\" LIKE $2 \
         ESCAPE '\\')"
    );
    let my = select(&My, &query);
    assert_eq!(
        where_clause(my.sql),
        " WHERE (FALSE AND TRUE AND `owner` LIKE ? ESCAPE '\\\\' AND `title` LIKE ? ESCAPE '\\\\')"
    );
    // Only a client's own pattern goes through the dialect's rewrite.
    assert_eq!(
        my.binds,
        vec![
            BoundValue::Text(r"own:a\%".into()),
            BoundValue::Text(r"a\%".into())
        ]
    );
}

/// `tag` rows through the junction `to"do`s` (owner = the parent, id = the tag).
fn junction_query() -> RelatedQuery {
    let junction = table();
    let tag = Arc::new(TableSchema::new(
        "tag",
        false,
        vec![
            ColumnSchema::from_declared("id", "integer"),
            ColumnSchema::from_declared("seen", "timestamp"),
        ],
        vec![],
    ));
    let mut select = query(Some(10), 0);
    select.projection = vec![
        Projection::Column(col(&tag, "id")),
        Projection::Column(col(&tag, "seen")),
    ];
    select.condition = Some(compare(&tag, "id", ComparisonOp::Ne, 9));
    select.order_by[0].column = col(&tag, "id");
    select.table = Arc::clone(&tag);
    RelatedQuery {
        select,
        junction: Some(JunctionQuery {
            parent_column: col(&junction, "owner"),
            related_column: col(&junction, "id"),
            target: col(&tag, "id"),
            condition: Condition::In {
                column: col(&junction, "owner"),
                values: ints(&[1, 2]),
                negated: false,
            },
            table: junction,
        }),
    }
}

#[test]
fn a_junction_link_is_one_join_in_every_dialect() {
    let query = junction_query();
    let lite = related(&Lite, &query);
    assert_eq!(
        lite.sql,
        "SELECT \"j\".\"owner\", \"r\".\"id\", \"r\".\"seen\" FROM \"tag\" AS \"r\" \
         JOIN \"to\"\"do`s\" AS \"j\" ON \"j\".\"id\" = \"r\".\"id\" \
         WHERE \"j\".\"owner\" IN (?, ?) AND \"r\".\"id\" != ? \
         ORDER BY \"r\".\"id\" ASC LIMIT ? OFFSET ?"
    );
    assert_eq!(lite.binds, ints(&[1, 2, 9, 10, 0]));
    assert_eq!(
        related(&Pg("app"), &query).sql,
        "SELECT \"j\".\"owner\", \"r\".\"id\", \"r\".\"seen\"::text FROM \"app\".\"tag\" AS \"r\" \
         JOIN \"app\".\"to\"\"do`s\" AS \"j\" ON \"j\".\"id\" = \"r\".\"id\" \
         WHERE \"j\".\"owner\" IN ($1, $2) AND \"r\".\"id\" != $3 \
         ORDER BY \"r\".\"id\" ASC LIMIT $4"
    );
    assert_eq!(
        related(&My, &query).sql,
        "SELECT `j`.`owner`, `r`.`id`, CAST(`r`.`seen` AS CHAR) FROM `tag` AS `r` \
         JOIN `to\"do``s` AS `j` ON `j`.`id` = `r`.`id` \
         WHERE `j`.`owner` IN (?, ?) AND `r`.`id` != ? ORDER BY `r`.`id` ASC LIMIT ?"
    );
    let column_link = RelatedQuery {
        junction: None,
        ..query
    };
    assert_eq!(
        related(&Lite, &column_link).sql,
        select(&Lite, &column_link.select).sql
    );
}
