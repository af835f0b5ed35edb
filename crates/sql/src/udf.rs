//! SQL functions over the rating rules of `lapis_model::scheme`, so the views (and users' own
//! SQL) apply the councils' rules from one implementation:
//!
//! - `lapis_rate(scheme, value, target, polarity)`: the rating the scheme's rule gives, or null
//!   (unknown scheme or polarity, missing figures, zero target);
//! - `lapis_rating_rank(rating)`: 4 best … 1 worst, null for words that are not ratings;
//! - `lapis_rating_scheme(rating)`: the measure scheme a published rating word belongs to;
//! - `lapis_direction(text)`: a printed direction of travel read as `improving`,
//!   `deteriorating` or `unchanged` (null when it states none), the one vocabulary every view
//!   uses.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{cast::as_string_array, Result as DfResult};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use datafusion::prelude::SessionContext;
use lapis_model::{Direction, Polarity, Rating, Scheme};

/// Registers the lapis functions with a session.
pub fn register(ctx: &SessionContext) {
    for udf in [rate(), rating_rank(), rating_scheme(), direction()] {
        ctx.register_udf(udf);
    }
}

fn strings(array: &ArrayRef) -> DfResult<StringArray> {
    let cast = datafusion::arrow::compute::cast(array, &DataType::Utf8)?;
    Ok(as_string_array(&cast)?.clone())
}

fn rate() -> ScalarUDF {
    create_udf(
        "lapis_rate",
        vec![
            DataType::Utf8,
            DataType::Float64,
            DataType::Float64,
            DataType::Utf8,
        ],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let scheme = strings(&arrays[0])?;
            let value = arrays[1].as_primitive::<Float64Type>();
            let target = arrays[2].as_primitive::<Float64Type>();
            let polarity = strings(&arrays[3])?;
            let out: StringArray = (0..scheme.len())
                .map(|i| {
                    if scheme.is_null(i)
                        || value.is_null(i)
                        || target.is_null(i)
                        || polarity.is_null(i)
                    {
                        return None;
                    }
                    let s = Scheme::parse(scheme.value(i))?;
                    let p = Polarity::parse(polarity.value(i))?;
                    s.rate(value.value(i), target.value(i), p)
                        .map(Rating::as_str)
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn rating_rank() -> ScalarUDF {
    create_udf(
        "lapis_rating_rank",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let rating = strings(&arrays[0])?;
            let out: Int32Array = rating
                .iter()
                .map(|r| r.and_then(Rating::from_word).map(Rating::rank))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn rating_scheme() -> ScalarUDF {
    create_udf(
        "lapis_rating_scheme",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let rating = strings(&arrays[0])?;
            let out: StringArray = rating
                .iter()
                .map(|r| {
                    r.and_then(Rating::from_word)
                        .and_then(Scheme::of_rating)
                        .map(Scheme::as_str)
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

fn direction() -> ScalarUDF {
    create_udf(
        "lapis_direction",
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(args)?;
            let text = strings(&arrays[0])?;
            let out: StringArray = text
                .iter()
                .map(|t| t.and_then(Direction::parse).map(Direction::as_str))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}
