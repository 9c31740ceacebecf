//! Ponte's matchmaking: the ecosystem projected as a typed graph (petgraph CSR), and partner
//! suggestions scored by typed meta-path similarity, Adamic-Adar, personalized PageRank (forward
//! push) and complementarity, each with evidence paths made of real edges. Knows nothing of RDF:
//! the server feeds it IRIs.

pub mod bench;
mod content;
pub mod ecosystem;
pub mod eval;
pub mod generate;
mod input;
mod matcher;
pub mod ppr;
mod projection;

pub use content::{Content, WordId};
pub use input::GraphInput;
pub use matcher::{
    HUB_DEGREE, PART_NAMES, PUSH_EPSILON, Parts, Seed, Step, Suggestion, TOPIC_DECAY, TOPIC_HOPS,
    Weights, evidence, rank, shortest_path, suggest,
};
pub use projection::{
    ClassId, EdgeLabel, META_PATH_KINDS, MetaPaths, Node, NodeId, NodeKind, Projection,
    ProjectionBuilder, SKOS_BROADER, SKOS_NARROWER,
};

#[cfg(test)]
mod tests {
    use super::*;

    const TOPIC_LINK: &str = "urn:hasCompetence";
    const TOOK_PART: &str = "urn:participatedIn";
    const MEMBER: &str = "urn:memberOf";

    /// Two regional startups and a hospital around gene therapy, a foreign company on the same
    /// mission, an unrelated company, and a cluster everybody regional is a member of.
    fn ecosystem() -> Projection {
        let mut b = ProjectionBuilder::new();
        for (iri, class) in [
            ("urn:alpha", "urn:Startup"),
            ("urn:beta", "urn:Startup"),
            ("urn:hospital", "urn:Hospital"),
            ("urn:boston-co", "urn:Company"),
            ("urn:loner", "urn:Company"),
            ("urn:accelerator", "urn:Accelerator"),
            ("urn:cluster", "urn:Cluster"),
        ] {
            b.node(iri, NodeKind::Actor, Some(class));
        }
        b.node("urn:gene", NodeKind::Topic, None);
        b.node("urn:ai", NodeKind::Topic, None);
        b.node("urn:mission", NodeKind::Activity, None);
        for (s, p, o) in [
            ("urn:alpha", TOPIC_LINK, "urn:gene"),
            ("urn:beta", TOPIC_LINK, "urn:gene"),
            ("urn:hospital", TOPIC_LINK, "urn:gene"),
            ("urn:alpha", TOPIC_LINK, "urn:ai"),
            ("urn:beta", TOPIC_LINK, "urn:ai"),
            ("urn:loner", TOPIC_LINK, "urn:ai"),
            ("urn:alpha", TOOK_PART, "urn:mission"),
            ("urn:boston-co", TOOK_PART, "urn:mission"),
            ("urn:alpha", MEMBER, "urn:cluster"),
            ("urn:hospital", MEMBER, "urn:cluster"),
            ("urn:accelerator", MEMBER, "urn:cluster"),
        ] {
            b.edge(s, p, o);
        }
        b.node("urn:isolated", NodeKind::Actor, None);
        b.build()
    }

    fn names(projection: &Projection, suggestions: &[Suggestion]) -> Vec<String> {
        suggestions
            .iter()
            .map(|s| projection.iri(s.node).to_owned())
            .collect()
    }

    #[test]
    fn the_projection_keeps_nodes_edges_and_kinds() {
        let p = ecosystem();
        assert_eq!(p.node_count(), 11);
        assert_eq!(p.edge_count(), 11);
        let alpha = p.id("urn:alpha").unwrap();
        assert_eq!(p.degree(alpha), 4);
        assert_eq!(p.meta_degree(alpha), [2, 0, 1, 1]);
        let gene = p.id("urn:gene").unwrap();
        let label = p.edge(alpha, gene).unwrap();
        assert_eq!(
            (p.predicate(label.predicate), label.forward),
            (TOPIC_LINK, true)
        );
        assert!(!p.edge(gene, alpha).unwrap().forward);
        assert_eq!(p.degree(p.id("urn:isolated").unwrap()), 0);
    }

    #[test]
    fn suggestions_rank_shared_rare_reasons_first_and_explain_them_with_real_edges() {
        let p = ecosystem();
        let alpha = p.id("urn:alpha").unwrap();
        let seed = Seed::actor(&p, alpha);
        let suggestions = suggest(&p, &seed, &Weights::default(), 10, &|_| true);
        let ranked = names(&p, &suggestions);
        // Beta shares both topics; the hospital a topic and the cluster; Boston-co the mission,
        // the rarest link (two took part); the loner only AI, a link of three.
        let mut top = ranked[..3].to_vec();
        top.sort();
        assert_eq!(
            top,
            ["urn:beta", "urn:boston-co", "urn:hospital"],
            "{ranked:?}"
        );
        assert!(
            ranked.iter().position(|n| n == "urn:hospital")
                < ranked.iter().position(|n| n == "urn:loner")
        );
        assert!(!ranked.contains(&"urn:isolated".to_owned()));
        for suggestion in &suggestions {
            assert!((suggestion.score - suggestion.parts.total()).abs() < 1e-12);
            assert!(!suggestion.evidence.is_empty() && suggestion.evidence.len() <= 3);
            for path in &suggestion.evidence {
                assert_eq!(path.first().unwrap().from, alpha);
                assert_eq!(path.last().unwrap().to, suggestion.node);
                for step in path {
                    // Every step is an edge, in the direction the triple reads.
                    let label = p.edge(step.from, step.to).unwrap();
                    assert_eq!(
                        (label.predicate, label.forward),
                        (step.predicate, step.forward)
                    );
                }
            }
        }
        let beta = suggestions
            .iter()
            .find(|s| p.iri(s.node) == "urn:beta")
            .unwrap();
        assert_eq!(beta.shared, [2, 0, 0, 0]);
        assert!(!beta.connected);
        // Deterministic.
        assert_eq!(
            suggest(&p, &seed, &Weights::default(), 10, &|_| true),
            suggestions
        );
    }

    #[test]
    fn a_profile_wanting_an_accelerator_gets_one_and_filters_apply() {
        let p = ecosystem();
        let gene = p.id("urn:gene").unwrap();
        let cluster = p.id("urn:cluster").unwrap();
        let accelerator_class = p.class_id("urn:Accelerator").unwrap();
        let seed = Seed {
            actor: None,
            links: vec![gene, cluster],
            wanted_classes: [accelerator_class].into(),
            near: false,
        };
        let suggestions = suggest(&p, &seed, &Weights::default(), 3, &|_| true);
        let ranked = names(&p, &suggestions);
        assert!(ranked.contains(&"urn:accelerator".to_owned()), "{ranked:?}");
        assert!(suggestions.iter().any(|s| s.parts.complement > 0.0));
        let hospital = p.id("urn:hospital").unwrap();
        let without = suggest(&p, &seed, &Weights::default(), 10, &|n| n != hospital);
        assert!(without.iter().all(|s| s.node != hospital));
    }

    #[test]
    fn a_topic_below_the_seed_s_counts_and_is_explained_level_by_level() {
        let mut b = ProjectionBuilder::new();
        b.node("urn:holo", NodeKind::Actor, Some("urn:Company"));
        b.node("urn:spark", NodeKind::Actor, Some("urn:Company"));
        b.node("urn:far", NodeKind::Actor, Some("urn:Company"));
        for topic in [
            "urn:advanced",
            "urn:gene-and-cell",
            "urn:gene",
            "urn:cell",
            "urn:ai",
        ] {
            b.node(topic, NodeKind::Topic, None);
        }
        b.edge("urn:gene-and-cell", SKOS_BROADER, "urn:advanced");
        b.edge("urn:advanced", SKOS_NARROWER, "urn:gene-and-cell");
        b.edge("urn:gene", SKOS_BROADER, "urn:gene-and-cell");
        b.edge("urn:cell", SKOS_BROADER, "urn:gene-and-cell");
        b.edge("urn:holo", TOPIC_LINK, "urn:advanced");
        b.edge("urn:spark", TOPIC_LINK, "urn:gene");
        b.edge("urn:far", TOPIC_LINK, "urn:ai");
        let p = b.build();
        let gene = p.id("urn:gene").unwrap();
        let related = p.related_topics(p.id("urn:advanced").unwrap(), TOPIC_HOPS);
        assert!(related.contains(&(gene, 2)), "{related:?}");
        // Siblings are not related: gene and cell therapy only share a parent.
        let cell = p.id("urn:cell").unwrap();
        assert!(
            !p.related_topics(gene, TOPIC_HOPS)
                .iter()
                .any(|(t, _)| *t == cell)
        );
        let holo = p.id("urn:holo").unwrap();
        let suggestions = suggest(&p, &Seed::actor(&p, holo), &Weights::default(), 10, &|_| {
            true
        });
        assert_eq!(names(&p, &suggestions), ["urn:spark"]);
        let spark = &suggestions[0];
        // Two levels apart: 2 × 0.25 / (1 + 1) of the topics' weight.
        let expected = Weights::default().topics * TOPIC_DECAY * TOPIC_DECAY;
        assert!((spark.parts.topics - expected).abs() < 1e-12, "{spark:?}");
        let path: Vec<&str> = spark.evidence[0]
            .iter()
            .map(|step| p.iri(step.to))
            .collect();
        assert_eq!(
            path,
            ["urn:advanced", "urn:gene-and-cell", "urn:gene", "urn:spark"]
        );
    }

    #[test]
    fn a_pair_scores_the_same_whatever_else_the_request_filters_out() {
        let p = ecosystem();
        let alpha = p.id("urn:alpha").unwrap();
        let seed = Seed::actor(&p, alpha);
        let all = suggest(&p, &seed, &Weights::default(), 10, &|_| true);
        let best = all[0].node;
        let rest = suggest(&p, &seed, &Weights::default(), 10, &|n| n != best);
        for suggestion in &rest {
            let same = all.iter().find(|s| s.node == suggestion.node).unwrap();
            assert_eq!(same.score, suggestion.score, "{}", p.iri(suggestion.node));
        }
    }

    #[test]
    fn fitted_weights_do_no_worse_than_the_defaults_on_what_they_were_fitted_on() {
        let input = generate::ecosystem(600, 3);
        let is_partnership = |p: &str| p == generate::PARTNERSHIP;
        let fit = eval::fit(&input, &is_partnership, 0.1, 200, 5);
        assert!(fit.rounds > 8, "{fit:?}");
        let train = |w: &Weights| eval::evaluate_with(&input, &is_partnership, 0.1, 200, 6, w);
        let (fitted, defaults) = (train(&fit.fitted).matcher, train(&fit.defaults).matcher);
        assert!(
            fitted.hits_at_10 > defaults.hits_at_10
                || (fitted.hits_at_10 == defaults.hits_at_10 && fitted.mrr >= defaults.mrr),
            "{fit:?}"
        );
        // The weights round-trip through their names.
        assert_eq!(Parts::from_values(fit.fitted.values()), fit.fitted.0);
    }

    #[test]
    fn the_push_agrees_with_the_power_iteration() {
        let p = ecosystem();
        let alpha = p.id("urn:alpha").unwrap();
        let approximate = ppr::push(&p, &[alpha], 1e-9);
        let exact = ppr::exact(&p, &[alpha], 1e-12);
        for node in p.nodes() {
            let a = approximate.get(&node).copied().unwrap_or(0.0);
            assert!(
                (a - exact[node.index()]).abs() < 1e-6,
                "{}: {a} vs {}",
                p.iri(node),
                exact[node.index()]
            );
        }
        let total: f64 = exact.iter().sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn the_generator_is_deterministic_and_the_matcher_beats_the_baselines_on_its_data() {
        let a = generate::ecosystem(2_000, 7);
        let b = generate::ecosystem(2_000, 7);
        assert_eq!((a.nodes.len(), &a.links), (b.nodes.len(), &b.links));
        assert_ne!(generate::ecosystem(2_000, 8).links, a.links);
        // Projected as generated, the same graph as projected from the lists.
        let direct = generate::projection(2_000, 7);
        let listed = a.project();
        assert_eq!(
            (direct.node_count(), direct.edge_count()),
            (listed.node_count(), listed.edge_count())
        );
        let actor = generate::actor_iri(17);
        let degree = |p: &Projection| p.degree(p.id(&actor).unwrap());
        assert_eq!(degree(&direct), degree(&listed));
        let result = eval::evaluate(&a, &|p| p == generate::PARTNERSHIP, 0.1, 500, 1);
        println!("{result:#?}");
        assert!(result.hidden >= 50, "{result:?}");
        for baseline in [result.random, result.most_connected, result.jaccard] {
            assert!(
                result.matcher.hits_at_10 > baseline.hits_at_10,
                "{result:#?}"
            );
            assert!(result.matcher.mrr > baseline.mrr, "{result:#?}");
        }
    }

    /// Analysed words for a test: each word its own stem.
    fn words(text: &str) -> Vec<(&str, &str)> {
        text.split(' ').map(|w| (w, w)).collect()
    }

    #[test]
    fn content_similarity_rewards_rare_shared_words_on_the_seeds_own_scale_and_names_them() {
        let mut b = ProjectionBuilder::new();
        for iri in ["urn:seed", "urn:twin", "urn:far", "urn:other"] {
            b.node(iri, NodeKind::Actor, Some("urn:Company"));
        }
        b.node("urn:topic", NodeKind::Topic, None);
        // Filler actors make "health" common: in more than a tenth of the documents.
        for i in 0..40 {
            b.node(&format!("urn:filler{i}"), NodeKind::Actor, None);
        }
        b.edge("urn:other", TOPIC_LINK, "urn:topic");
        b.text("urn:seed", words("organoid cartilage health"));
        b.text("urn:twin", words("organoid cartilage"));
        b.text("urn:far", words("cartilage"));
        // The topic's label is part of what its actors say.
        b.text("urn:topic", words("organoid"));
        for i in 0..40 {
            b.text(&format!("urn:filler{i}"), words("health"));
        }
        b.text("urn:undeclared", words("organoid"));
        let p = b.build();
        let seed = Seed::actor(&p, p.id("urn:seed").unwrap());
        let only_content = Weights(Parts {
            content: 1.0,
            ..Parts::default()
        });
        let ranked = suggest(&p, &seed, &only_content, 10, &|_| true);
        assert_eq!(names(&p, &ranked), ["urn:twin", "urn:far", "urn:other"]);
        let twin = &ranked[0];
        assert!(
            twin.parts.content > 0.5 && twin.parts.content <= 1.0,
            "{twin:?}"
        );
        // The shared words, rarest first; a word too common to explain anything is not one.
        let shown: Vec<&str> = twin
            .shared_terms
            .iter()
            .map(|t| p.content().word(*t))
            .collect();
        let mut sorted = shown.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ["cartilage", "organoid"]);
        assert_eq!(ranked[2].shared_terms.len(), 1);
        // Scores are on the seed's scale: the same with another limit or a filter.
        let filtered = suggest(&p, &seed, &only_content, 1, &|n| p.iri(n) != "urn:twin");
        assert_eq!(filtered[0].parts, ranked[1].parts);
        // Without words, no content part and no shared words.
        let fillerless = Seed::actor(&p, p.id("urn:filler0").unwrap());
        assert!(
            suggest(&p, &fillerless, &only_content, 10, &|_| true)
                .iter()
                .all(|s| s.parts.content == 0.0 && s.shared_terms.is_empty())
        );
    }
}
