"""Class-based TF-IDF (BERTopic's formula) on cases worked by hand, and the topic pipeline on planted topics.

Tolerance: 1e-12 absolute on c-TF-IDF values below 1 (float64; each is one product and one log).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from minembed.uses.cluster_metrics import adjusted_rand
from minembed.uses.topics import class_counts, class_tfidf, find_topics, top_words, topic_keywords

# Three classes, four words; vocabulary sorted: apple, banana, cherry, date.
DOCUMENTS = [["apple", "apple", "banana"], ["apple"],          # class 0: apple 3, banana 1       (4 words)
             ["banana", "cherry"],                                # class 1: banana 1, cherry 1      (2 words)
             ["cherry", "cherry", "cherry", "apple", "date", "date"]]  # class 2: cherry 3, apple 1, date 2 (6)
LABELS = [0, 0, 1, 2]


def test_class_counts_join_each_class_into_one_document():
    counts, classes, vocabulary = class_counts(DOCUMENTS, LABELS)
    assert vocabulary == ["apple", "banana", "cherry", "date"]
    assert_array_equal(classes, [0, 1, 2])
    assert_array_equal(counts.toarray(), [[3, 1, 0, 0], [0, 1, 1, 0], [1, 0, 3, 2]])


def test_class_tfidf_by_hand():
    # Words per class 4, 2, 6: A = 12 / 3 = 4. Frequency over all classes f: apple 4, banana 2,
    # cherry 4, date 2, so idf = log(1 + A / f): apple log 2, banana log 3, cherry log 2, date log 3.
    # tf is each class's count over its words:
    #   class 0  apple 3/4 * log 2 = 0.519860, banana 1/4 * log 3 = 0.274653
    #   class 1  banana 1/2 * log 3 = 0.549306, cherry 1/2 * log 2 = 0.346574
    #   class 2  apple 1/6 * log 2 = 0.115525, cherry 3/6 * log 2 = 0.346574, date 2/6 * log 3 = 0.366204
    log2, log3 = np.log(2.0), np.log(3.0)
    expected = np.array([[3 / 4 * log2, 1 / 4 * log3, 0, 0],
                         [0, 1 / 2 * log3, 1 / 2 * log2, 0],
                         [1 / 6 * log2, 0, 3 / 6 * log2, 2 / 6 * log3]])
    counts, _, _ = class_counts(DOCUMENTS, LABELS)
    assert_allclose(class_tfidf(counts), expected, rtol=0, atol=1e-12)
    assert_allclose(expected[2, 3], 0.366204, atol=1e-6)  # the hand arithmetic above, checked once
    # In class 2, "date" (2 of 6 words, rare overall) outranks "cherry" (3 of 6, common): the idf at work.
    keywords = topic_keywords(DOCUMENTS, LABELS, top_n=2)
    assert [word for word, _ in keywords[2]] == ["date", "cherry"]
    assert [word for word, _ in keywords[0]] == ["apple", "banana"]


def test_average_words_per_class_is_truncated_as_bertopic_truncates():
    # Words per class 5 and 4: the average is 4.5, BERTopic's int() makes A = 4.
    # f: x 5, y 4, so idf = log(1 + 4/5) = log 1.8 and log(1 + 4/4) = log 2;
    # class 0 (x 5): 1 * log 1.8;  class 1 (y 4): 1 * log 2.  With A = 4.5: log 1.9 and log 2.125.
    counts = np.array([[5, 0], [0, 4]])
    assert_allclose(class_tfidf(counts), [[np.log(1.8), 0], [0, np.log(2.0)]], rtol=0, atol=1e-12)


def test_top_words_order_and_labels_of_any_type():
    scores = np.array([[0.2, 0.5, 0.2, 0.0]])
    assert top_words(scores, ["a", "b", "c", "d"], top_n=3) == [[("b", 0.5), ("a", 0.2), ("c", 0.2)]]
    keywords = topic_keywords(DOCUMENTS, ["fruit", "fruit", "mixed", "stone"], top_n=1)
    assert list(keywords) == ["fruit", "mixed", "stone"] and keywords["stone"][0][0] == "date"


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match="one class per document"):
        class_counts(DOCUMENTS, [0, 1])
    with pytest.raises(ValueError, match="every class needs at least one word"):
        class_tfidf(np.array([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="one row per document"):
        find_topics(np.zeros((3, 4)), DOCUMENTS, 2)


def planted_topics(seed: int, per_topic: int = 60):
    """Three topics, each a blob of 20-d document vectors and its own 8 words (plus shared filler)."""
    rng = np.random.default_rng(seed)
    words = [[f"t{topic}w{i}" for i in range(8)] for topic in range(3)]
    filler = [f"common{i}" for i in range(10)]
    centres = rng.normal(0, 4, (3, 20))
    vectors, tokens, truth = [], [], []
    for topic in range(3):
        for _ in range(per_topic):
            vectors.append(centres[topic] + rng.normal(0, 1, 20))
            tokens.append(list(rng.choice(words[topic], 6)) + list(rng.choice(filler, 6)))
            truth.append(topic)
    return np.array(vectors), tokens, np.array(truth), words


@pytest.mark.parametrize("n_components", [5, None])
def test_find_topics_recovers_planted_topics_and_their_words(n_components):
    vectors, tokens, truth, words = planted_topics(seed=1)
    topics = find_topics(vectors, tokens, 3, n_components=n_components, top_n=5)
    assert adjusted_rand(truth, topics.labels) == 1.0
    assert_array_equal(np.sort(topics.sizes()), [60, 60, 60])
    for topic, keywords in topics.keywords.items():
        planted = words[np.bincount(truth[topics.labels == topic]).argmax()]
        assert all(word in planted for word, _ in keywords)  # the filler words never lead a topic
    if n_components:
        assert topics.reduced.shape == (180, n_components) and topics.explained_variance_ratio[0] > 0.2
